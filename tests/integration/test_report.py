"""`sellerhealth report` and the scorecard's open alerts on a small warehouse built by hand.

Seller A2SELLER1X in the US has 100 days of metrics, 2026-01-01 (day 1) to 2026-04-10 (day 100):
- odr MFN 60d: 0.005 GOOD, BAD 0.015 on days 81-90 (2026-03-22 .. 03-31): one resolved alert;
- late_shipment_rate MFN 10d: 0.02 GOOD, BAD 0.05 on days 96-100: open, CRITICAL, 5 days;
- customer_service_rating ALL 28d: 9.0 GOOD, WARNING 7.0 on days 91-100: open, WARNING, 10 days;
- odr AFN 60d NO_DATA; late_shipment_rate MFN 30d, cancel_rate MFN 7d GOOD; avg_response_hours NO_TARGET.
Seller A3SELLER2Y in DE has odr MFN only, to 2026-04-05. The orders and the expected drivers are
worked out by hand next to `ORDERS`.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest

from pipelines.cli import main
from pipelines.defs.alerts.assets import update_alerts
from pipelines.report import build_report

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
S1, S2 = "A2SELLER1X", "A3SELLER2Y"

# (seller, market, channel, metric, window, lag, target, warning, condition, good value, breach, first, last day)
SERIES = [
    (S1, US, "MFN", "odr", 60, 14, 0.01, None, "LESS_THAN", 0.005, ("BAD", 0.015), 81, 90),
    (S1, US, "AFN", "odr", 60, 14, 0.01, None, "LESS_THAN", None, None, 0, 0),
    (S1, US, "MFN", "late_shipment_rate", 10, 0, 0.04, None, "LESS_THAN", 0.02, ("BAD", 0.05), 96, 100),
    (S1, US, "MFN", "late_shipment_rate", 30, 0, 0.04, None, "LESS_THAN", 0.03, None, 0, 0),
    (S1, US, "MFN", "cancel_rate", 7, 0, 0.025, None, "LESS_THAN", 0.01, None, 0, 0),
    (S1, US, "ALL", "customer_service_rating", 28, 0, 6.0, 8.0, "AT_LEAST", 9.0, ("WARNING", 7.0), 91, 100),
    (S1, US, "ALL", "avg_response_hours", 7, 0, None, None, None, 5.0, None, 0, 0),
    (S2, DE, "MFN", "odr", 60, 14, 0.01, None, "LESS_THAN", 0.002, None, 0, 0),
]

# As of 2026-04-10: defects use the odr window 2026-01-27 .. 03-27 (all channels), late shipments
# the 30-day window 03-12 .. 04-10 (MFN), seller cancellations 04-04 .. 04-10 (MFN).
ORDERS = [
    # id, purchase day, channel, skus, carrier, defect, late, seller-cancelled
    ("O1", "2026-03-20", "MFN", "SKU-A", "UPS", True, True, False),
    ("O2", "2026-03-21", "MFN", "SKU-A|SKU-B", "USPS", True, False, False),
    ("O3", "2026-03-22", "AFN", "SKU-B", None, True, False, False),
    ("O4", "2026-03-23", "MFN", "SKU-C", "UPS", False, False, False),
    ("O5", "2026-04-05", "MFN", "SKU-C", "UPS", False, True, True),
    ("O6", "2026-04-06", "MFN", "SKU-A", "USPS", False, False, False),
    ("O7", "2026-01-10", "MFN", "SKU-D", "UPS", True, False, False),  # before the odr window
    ("O8", "2026-04-08", "MFN", "SKU-A", "UPS", True, True, False),  # defect after the odr window
]
EXPECTED_DRIVERS = {
    # (flag, by): [(name, flagged, orders, rate, share)]
    ("is_defect", "sku"): [("SKU-A", 2, 2, "100.0%", "67%"), ("SKU-B", 2, 2, "100.0%", "67%")],
    ("is_defect", "carrier"): [
        ("(none)", 1, 1, "100.0%", "33%"),
        ("UPS", 1, 2, "50.0%", "33%"),
        ("USPS", 1, 1, "100.0%", "33%"),
    ],
    ("is_late_shipment", "sku"): [("SKU-A", 2, 4, "50.0%", "67%"), ("SKU-C", 1, 2, "50.0%", "33%")],
    ("is_late_shipment", "carrier"): [("UPS", 3, 4, "75.0%", "100%")],
    ("is_seller_cancelled", "sku"): [("SKU-C", 1, 1, "100.0%", "100%")],
    ("is_seller_cancelled", "carrier"): [("UPS", 1, 2, "50.0%", "100%")],
}


def build_warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.seller_metrics_daily (
                as_of_date date, seller_id varchar, marketplace_id varchar, fulfillment_channel varchar,
                metric varchar, window_days integer, window_start date, window_end date, numerator double,
                denominator bigint, value double, target double, warning_level double,
                target_condition varchar, status varchar)
            """
        )
        for seller, market, channel, metric, window, lag, target, warning, cond, good, breach, b1, b2 in SERIES:
            last_day = 100 if seller == S1 else 95
            good_status = "NO_DATA" if good is None else "NO_TARGET" if target is None else "GOOD"
            bad_status, bad_value = breach or ("GOOD", good)
            days = [(n, date(2025, 12, 31) + timedelta(days=n)) for n in range(1, last_day + 1)]
            con.executemany(
                "insert into marts.seller_metrics_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d,
                        seller,
                        market,
                        channel,
                        metric,
                        window,
                        d - timedelta(days=lag + window - 1),
                        d - timedelta(days=lag),
                        None,
                        100,
                        bad_value if b1 <= n <= b2 else good,
                        target,
                        warning,
                        cond,
                        bad_status if b1 <= n <= b2 else good_status,
                    )
                    for n, d in days
                ],
            )
        con.execute(
            """
            create table marts.fct_orders (
                seller_id varchar, marketplace_id varchar, amazon_order_id varchar, purchase_date date,
                fulfillment_channel varchar, skus varchar, carrier varchar, is_defect boolean,
                is_late_shipment boolean, is_seller_cancelled boolean)
            """
        )
        con.executemany(
            "insert into marts.fct_orders values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(S1, US, *order) for order in ORDERS]
            + [(S2, DE, "X1", "2026-03-01", "MFN", "SKU-Z", "DHL", False, False, False)],
        )
        update_alerts(con)


@pytest.fixture
def warehouse(warehouse_path):
    warehouse_path.parent.mkdir(parents=True)
    build_warehouse(warehouse_path)
    return warehouse_path


@pytest.fixture
def page(warehouse) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return build_report(con, None, datetime(2026, 4, 11, 6, 0, tzinfo=UTC), str(warehouse))


def section(page: str, seller: str, market: str) -> str:
    match = re.search(rf"<section id='{seller}-{market}'.*?</section>", page, re.S)
    assert match, f"no section for {seller} {market}"
    return match.group(0)


def charts(html: str) -> dict[tuple[str, str, str], str]:
    found = re.findall(r'<svg class="chart".*?</svg>', html, re.S)
    out = {}
    for svg in found:
        attrs = dict(re.findall(r'data-(metric|channel|window)="([^"]*)"', svg))
        out[(attrs["metric"], attrs["channel"], attrs["window"])] = svg
    return out


def rows(table: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_one_self_contained_page_with_a_section_per_seller_and_marketplace(page):
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    for outside in ("http://", "https://", "<script", "<link", "<img", "@import", "url("):
        assert outside not in page
    assert re.findall(r"<section id='([^']+)'", page) == [f"{S1}-{US}", f"{S2}-{DE}"]
    assert "as of 2026-04-10" in section(page, S1, US) and "as of 2026-04-05" in section(page, S2, DE)


def test_a_chart_per_series_with_the_target_line_and_the_breach_days(page):
    us = charts(section(page, S1, US))
    assert set(us) == {(s[3], s[2], str(s[4])) for s in SERIES if s[0] == S1}
    breach_days = {key: int(re.search(r'data-breach-days="(\d+)"', svg).group(1)) for key, svg in us.items()}
    assert breach_days == {
        ("odr", "MFN", "60"): 10,
        ("odr", "AFN", "60"): 0,
        ("late_shipment_rate", "MFN", "10"): 5,
        ("late_shipment_rate", "MFN", "30"): 0,
        ("cancel_rate", "MFN", "7"): 0,
        ("customer_service_rating", "ALL", "28"): 10,
        ("avg_response_hours", "ALL", "7"): 0,
    }
    odr = us[("odr", "MFN", "60")]
    assert odr.count('<rect class="breach bad"') == 10 and 'data-target="0.01"' in odr
    assert "target &lt; 1.00%" in odr and "2026-01-11" in odr and "2026-04-10" in odr  # the 90 days shown
    # One line over the 90 days: 90 points.
    (points,) = re.findall(r'<polyline class="value" points="([^"]+)"', odr)
    assert len(points.split()) == 90
    assert us[("customer_service_rating", "ALL", "28")].count('class="breach warning"') == 10
    assert 'class="target"' not in us[("avg_response_hours", "ALL", "7")]
    assert "no data" in us[("odr", "AFN", "60")] and "<polyline" not in us[("odr", "AFN", "60")]


def test_current_status_and_open_alerts_worst_first(page):
    us = section(page, S1, US)
    alerts = rows(re.search(r"<table class='alerts'>.*?</table>", us, re.S).group(0))
    assert [r[:9] for r in alerts] == [
        ["CRITICAL", "5", "late_shipment_rate", "MFN", "10d", "2026-04-06", "2026-04-10", "5.00%", "< 4.00%"],
        ["WARNING", "10", "customer_service_rating", "ALL", "28d", "2026-04-01", "2026-04-10", "7.0 /10", ">= 6.0 /10"],
    ]
    current = {
        (r[0], r[1], r[2]): r[3:6] for r in rows(re.search(r"<table class='current'>.*?</table>", us, re.S).group(0))
    }
    assert current[("odr", "MFN", "60d")] == ["0.50%", "< 1.00%", "GOOD"]
    assert current[("late_shipment_rate", "MFN", "10d")] == ["5.00%", "< 4.00%", "BAD"]
    assert current[("avg_response_hours", "ALL", "7d")] == ["5.0 h", "", "NO_TARGET"]
    assert current[("odr", "AFN", "60d")] == ["-", "< 1.00%", "NO_DATA"]
    assert "No open alerts." in section(page, S2, DE)


def test_the_skus_and_carriers_behind_the_problems(page):
    us = section(page, S1, US)
    for (flag, by), expected in EXPECTED_DRIVERS.items():
        table = re.search(rf"<table class='contributors' data-problem='{flag}' data-by='{by}'>.*?</table>", us, re.S)
        assert table, (flag, by)
        assert [(r[0], int(r[1]), int(r[2]), r[3], r[4]) for r in rows(table.group(0))] == expected, (flag, by)
    assert "orders purchased 2026-01-27 to 2026-03-27" in us
    assert "orders purchased 2026-03-12 to 2026-04-10" in us and "orders purchased 2026-04-04 to 2026-04-10" in us
    assert "No defects by SKU." in section(page, S2, DE)


def test_as_of_a_past_day(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        page = build_report(con, date(2026, 3, 25), datetime(2026, 4, 11, tzinfo=UTC), "test")
    us = section(page, S1, US)
    alerts = rows(re.search(r"<table class='alerts'>.*?</table>", us, re.S).group(0))
    # odr opened 2026-03-22 and was still open on 03-25: day 4.
    assert [r[:3] for r in alerts] == [["CRITICAL", "4", "odr"]]
    assert "2026-03-25" in charts(us)[("odr", "MFN", "60")]


def test_report_and_scorecard_commands(warehouse, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = tmp_path / "out" / "health.html"
    assert main(["report", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count('<svg class="chart"') == len(SERIES)
    assert main(["scorecard"]) == 0
    text = capsys.readouterr().out
    alerts = text[text.index("open alerts (2), worst first") :].splitlines()
    assert "CRITICAL" in alerts[2] and "late_shipment_rate" in alerts[2] and " 5 " in alerts[2]
    assert "WARNING" in alerts[3] and "customer_service_rating" in alerts[3] and " 10 " in alerts[3]
