"""`sellerhealth scorecard` and the as-of rule, on a small warehouse built by hand.

Days 2026-02-01 .. 02-10 (day n is February n). Seller A2SELLER1X in the US:
- late_shipment_rate MFN 10d, target < 4 %, warning level 3 %: 2 % GOOD on days 1-2, WARNING
  3.5 / 3.6 / 3.7 % on days 3-5, BAD 5, 6, 7, 8, 9 % on days 6-10: one alert opened on day 3,
  acknowledged by "ana" on 02-09 10:00. As of day 4 it was a WARNING alert, 2 days open, last
  breach day 4 at 3.6 %, not acknowledged; as of day 10 it is CRITICAL, 9 %, acknowledged.
- cancel_rate MFN 7d GOOD 1 %, except 1.004 % on day 3: as of day 10 the 7-day change is
  -0.004 pp, which prints as 0.00 pp (not -0.00 pp).
- customer_service_rating ALL 28d GOOD 9.0 /10; odr AFN 60d NO_DATA.
Seller A2SELLER1X in DE: odr MFN 60d BAD 2 % every day. Seller A3SELLER2Y in the US: odr MFN GOOD.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from pipelines.cli import main
from pipelines.report import build_report
from tests.alert_episodes import update_alerts_after_dbt

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
S1, S2 = "A2SELLER1X", "A3SELLER2Y"
LATE = {1: 0.02, 2: 0.02, 3: 0.035, 4: 0.036, 5: 0.037, 6: 0.05, 7: 0.06, 8: 0.07, 9: 0.08, 10: 0.09}


def _status(value: float) -> str:
    return "BAD" if value >= 0.04 else "WARNING" if value >= 0.03 else "GOOD"


def _rows():
    for n in range(1, 11):
        d = date(2026, 1, 31) + timedelta(days=n)
        late = LATE[n]
        yield (d, S1, US, "MFN", "late_shipment_rate", 10, late, 0.04, 0.03, "LESS_THAN", _status(late))
        yield (d, S1, US, "MFN", "cancel_rate", 7, 0.01004 if n == 3 else 0.01, 0.025, None, "LESS_THAN", "GOOD")
        yield (d, S1, US, "ALL", "customer_service_rating", 28, 9.0, 6.0, 8.0, "AT_LEAST", "GOOD")
        yield (d, S1, US, "AFN", "odr", 60, None, 0.01, None, "LESS_THAN", "NO_DATA")
        yield (d, S1, DE, "MFN", "odr", 60, 0.02, 0.01, None, "LESS_THAN", "BAD")
        yield (d, S2, US, "MFN", "odr", 60, 0.002, 0.01, None, "LESS_THAN", "GOOD")


@pytest.fixture
def warehouse(warehouse_path):
    warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.seller_metrics_daily (
                as_of_date date, seller_id varchar, marketplace_id varchar, fulfillment_channel varchar,
                metric varchar, window_days integer, window_start date, window_end date, numerator double,
                denominator bigint, value double, target double, warning_level double,
                target_condition varchar, status varchar, events_to_breach integer, orders_to_recover integer)
            """
        )
        con.executemany(
            "insert into marts.seller_metrics_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)",
            [
                (d, s, m, ch, metric, w, d - timedelta(days=w - 1), d, None, 100, v, t, wl, cond, st)
                for d, s, m, ch, metric, w, v, t, wl, cond, st in _rows()
            ],
        )
        update_alerts_after_dbt(con)
        con.execute(
            "update marts.alerts set acknowledged_by = 'ana', acknowledged_at = '2026-02-09 10:00' "
            "where metric = 'late_shipment_rate'"
        )
    return warehouse_path


def _json(capsys, *args: str) -> dict:
    assert main(["scorecard", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_worst_first_within_100_columns_no_minus_zero(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["scorecard"]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "-0.00" not in text
    us = text[text.index(f"{S1} · United States") :].split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in us[2:]] == ["BAD", "GOOD", "GOOD", "NO_DATA"]
    assert "Late shipment rate" in us[2] and "Cancellation rate" in us[3] and "Customer service rating" in us[4]
    assert us[3].endswith("0.00 pp")  # 1.00 % now, 1.004 % a week before
    assert "2026-02-10" in us[0]


def test_as_of_a_past_day_shows_the_alert_as_it_stood_then(warehouse, capsys):
    then = _json(capsys, "--as-of", "2026-02-04", "--seller", S1, "--marketplace", "US")
    (alert,) = then["alerts"]
    assert alert["severity"] == "WARNING" and alert["days_open"] == 2
    assert alert["last_breached_on"] == "2026-02-04" and alert["value"] == pytest.approx(0.036)
    assert alert["warning_level"] == pytest.approx(0.03) and alert["acknowledged_by"] is None
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", json.dumps(then))
    assert max(dates) == "2026-02-04"
    assert _json(capsys, "--as-of", "2026-02-08", "--seller", S1)["alerts"][0]["acknowledged_by"] is None
    now = _json(capsys, "--seller", S1, "--marketplace", "US")
    (alert,) = now["alerts"]
    assert (alert["severity"], alert["days_open"], alert["last_breached_on"]) == ("CRITICAL", 8, "2026-02-10")
    assert alert["value"] == pytest.approx(0.09) and alert["acknowledged_by"] == "ana"


def test_the_warning_level_on_a_warning_row(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["scorecard", "--as-of", "2026-02-04", "--seller", S1, "--marketplace", US]) == 0
    lines = capsys.readouterr().out.splitlines()
    (row, alert) = [line for line in lines if "Late shipment rate" in line and "WARNING" in line]
    assert "3.60%" in row and "< 4.00% (warn >= 3.00%)" in row  # the scorecard line
    assert "3.60%" in alert and "< 4.00% (warn >= 3.00%)" in alert and " 2 " in alert  # the open alert
    assert "acknowledged" not in "".join(lines)  # ana acknowledged it on 02-09


def test_filters_and_csv(warehouse, capsys):
    records = _json(capsys, "--seller", S2)["metrics"]
    assert {(r["seller_id"], r["marketplace_id"]) for r in records} == {(S2, US)}
    records = _json(capsys, "--marketplace", "DE")["metrics"]
    assert [(r["seller_id"], r["marketplace"], r["status"], r["alert_severity"]) for r in records] == [
        (S1, "Germany", "BAD", "CRITICAL")
    ]
    assert main(["scorecard", "--format", "csv", "--seller", S1, "--marketplace", "US"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["metric"], r["status"]) for r in table] == [
        ("late_shipment_rate", "BAD"),
        ("cancel_rate", "GOOD"),
        ("customer_service_rating", "GOOD"),
        ("odr", "NO_DATA"),
    ]
    assert table[0]["metric_name"] == "Late shipment rate" and table[0]["alert_acknowledged_by"] == "ana"
    assert main(["scorecard", "--seller", "NOSUCHSELLER"]) == 2
    assert "no metrics" in capsys.readouterr().err


def test_report_as_of_shows_nothing_after_the_day(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        page = build_report(con, date(2026, 2, 4), datetime(2026, 3, 1, tzinfo=UTC), "test")
    body = page[page.index("<nav>") :]
    assert max(re.findall(r"\d{4}-\d{2}-\d{2}", body)) == "2026-02-04"
    for later in ("3.70%", "5.00%", "9.00%", "ana"):  # values and the acknowledgement of later days
        assert later not in body
    assert "3.60%" in body


# Headroom (docs/headroom-and-outlook.md), worked out by hand from numerator B and denominator N:
# (seller, market, metric, day, B, N, events_to_breach, orders_to_recover)
HEADROOM = [
    # 9 late of 100 = 9 % BAD (< 4 %): 9 / (100 + m) < 0.04 from 100 + m > 225, so m = 126
    (S1, US, "late_shipment_rate", 10, 9, 100, None, 126),
    # 9 late of 250 = 3.6 % WARNING: (9 + k) / 250 >= 0.04 from 9 + k >= 10, so k = 1
    (S1, US, "late_shipment_rate", 4, 9, 250, 1, None),
    # 1 of 100 = 1 % GOOD (< 2.5 %): (1 + k) / 100 >= 0.025 from k >= 1.5, so k = 2
    (S1, US, "cancel_rate", 10, 1, 100, 2, None),
    # 45 YES of 50 = 9.0 /10 GOOD (>= 6.0): (45 - k) / 5 < 6.0 from 45 - k < 30, so k = 16 NO answers
    (S1, US, "customer_service_rating", 10, 450, 50, 16, None),
    # a big seller: 24,000 defective of 1,200,000 = 2 % BAD (< 1 %): 24,000 / (1,200,000 + m) < 0.01
    # from 1,200,000 + m > 2,400,000, so m = 1,200,001
    (S1, DE, "odr", 10, 24_000, 1_200_000, None, 1_200_001),
    # 1 of 500 = 0.2 % GOOD (< 1 %): (1 + k) / 500 >= 0.01 from 1 + k >= 5, so k = 4
    (S2, US, "odr", 10, 1, 500, 4, None),
]


@pytest.fixture
def with_headroom(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        for seller, market, metric, n, numerator, denominator, to_breach, to_recover in HEADROOM:
            con.execute(
                "update marts.seller_metrics_daily set numerator = ?, denominator = ?, events_to_breach = ?, "
                "orders_to_recover = ? where seller_id = ? and marketplace_id = ? and metric = ? and as_of_date = ?",
                [
                    numerator,
                    denominator,
                    to_breach,
                    to_recover,
                    seller,
                    market,
                    metric,
                    date(2026, 1, 31) + timedelta(n),
                ],
            )
    return warehouse


def _block(text: str, title: str) -> list[str]:
    return text[text.index(title) :].split("\n\n")[0].splitlines()


def test_headroom_is_a_column_of_each_metric_line(with_headroom, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["scorecard"]) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "headroom, " not in text  # no separate headroom section any more
    us = _block(text, f"{S1} · United States")
    assert us[1].split()[-1] == "headroom"
    assert us[2].split()[-1] == "-126" and "Late shipment rate" in us[2]  # 126 clean orders to recover
    assert us[3].split()[-1] == "+2" and "Cancellation rate" in us[3]  # 2 more cancellations: BAD
    assert us[4].split()[-1] == "+16" and "Customer service rating" in us[4]
    assert us[5].split() == ["NO_DATA", "Order", "defect", "rate", "AFN", "60d", "-", "<", "1.00%"]
    de = _block(text, f"{S1} · Germany")
    assert de[2].endswith(" -1200001")
    s2 = _block(text, f"{S2} · United States")
    assert s2[2].split()[-1] == "+4"
    # the column lines up under its header, 100 columns wide
    for block in (us, de, s2):
        assert len(block[1]) == 100
        assert all(len(line) == 100 for line in block[2:] if line.split()[0] != "NO_DATA")


def test_headroom_in_json_and_csv_honours_the_filters_and_the_day(with_headroom, capsys):
    (record,) = _json(capsys, "--seller", S2)["metrics"]
    assert (record["events_to_breach"], record["orders_to_recover"]) == (4, None)
    assert record["headroom"] == "4 more defective orders and it breaches"
    records = _json(capsys, "--marketplace", "DE")["metrics"]
    assert [(r["seller_id"], r["orders_to_recover"], r["headroom"]) for r in records] == [
        (S1, 1_200_001, "1200001 more clean orders to recover")
    ]
    then = _json(capsys, "--as-of", "2026-02-04", "--seller", S1, "--marketplace", "US")["metrics"]
    late = [r for r in then if r["metric"] == "late_shipment_rate"]
    assert [(r["status"], r["events_to_breach"], r["orders_to_recover"]) for r in late] == [("WARNING", 1, None)]
    assert late[0]["headroom"] == "1 more late shipment and it breaches"
    assert main(["scorecard", "--format", "csv", "--seller", S1, "--marketplace", "US"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["metric"], r["events_to_breach"], r["orders_to_recover"]) for r in table] == [
        ("late_shipment_rate", "", "126"),
        ("cancel_rate", "2", ""),
        ("customer_service_rating", "16", ""),
        ("odr", "", ""),
    ]
    assert table[0]["headroom"] == "126 more on-time shipments to recover"


def test_text_headroom_honours_the_filters(with_headroom, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["scorecard", "--marketplace", "DE"]) == 0
    text = capsys.readouterr().out
    assert "-1200001" in text and "-126" not in text and "+4" not in text
    assert f"{S1} · United States" not in text and f"{S2} ·" not in text
