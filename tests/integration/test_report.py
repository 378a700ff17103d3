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
from pipelines.report import build_report
from tests.alert_episodes import update_alerts_after_dbt

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

# Orders with the first day of each event (fct_orders' *_day columns). Drivers are worked out by
# hand below, for the odr as of 2026-03-25 (BAD then) and the late shipment rate as of 2026-04-10.
ORDERS = [
    # id, purchase day, channel, skus, carrier, ship-service level, {event: first day}
    ("O1", "2026-03-01", "MFN", "SKU-A", "UPS", "Standard", {"negative_feedback_day": "2026-03-20"}),
    ("O2", "2026-03-02", "MFN", "SKU-A|SKU-B", "USPS", "Expedited", {"counted_claim_day": "2026-03-24"}),
    ("O3", "2026-03-03", "MFN", "SKU-B", "UPS", "Standard", {"negative_feedback_day": "2026-03-26"}),
    ("O4", "2026-03-04", "AFN", "SKU-B", None, "Standard", {"negative_feedback_day": "2026-03-10"}),
    ("O5", "2026-03-05", "MFN", "SKU-C", "UPS", "Standard", {}),
    ("O6", "2026-01-05", "MFN", "SKU-D", "UPS", "Standard", {"negative_feedback_day": "2026-01-20"}),
    ("O7", "2026-04-02", "MFN", "SKU-A", "UPS", "Standard", {"late_shipment_from_day": "2026-04-05"}),
    (
        "O8",
        "2026-04-03",
        "MFN",
        "SKU-C",
        "USPS",
        "Standard",
        {
            "late_shipment_from_day": "2026-04-06",
            "late_shipment_until_day": "2026-04-07",
            "cancelled_day": "2026-04-08",
        },
    ),
    ("O9", "2026-04-04", "MFN", "SKU-C", "UPS", "Expedited", {}),
    ("O10", "2026-04-09", "MFN", "SKU-A|SKU-C", "UPS", "Standard", {"late_shipment_from_day": "2026-04-11"}),
    ("O11", "2026-03-29", "MFN", "SKU-B", "USPS", "Standard", {"late_shipment_from_day": "2026-04-01"}),
]
DAY_COLUMNS = (
    "negative_feedback_day",
    "counted_claim_day",
    "service_chargeback_day",
    "defect_day",
    "cancelled_day",
    "seller_cancelled_day",
    "late_shipment_from_day",
    "late_shipment_until_day",
    "valid_tracking_day",
    "refund_day",
    "buyer_contact_day",
    "late_response_day",
)


def build_warehouse(path) -> None:
    with duckdb.connect(str(path)) as con:
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
        for seller, market, channel, metric, window, lag, target, warning, cond, good, breach, b1, b2 in SERIES:
            last_day = 100 if seller == S1 else 95
            good_status = "NO_DATA" if good is None else "NO_TARGET" if target is None else "GOOD"
            bad_status, bad_value = breach or ("GOOD", good)
            days = [(n, date(2025, 12, 31) + timedelta(days=n)) for n in range(1, last_day + 1)]
            con.executemany(
                "insert into marts.seller_metrics_daily "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, null)",
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
            f"""
            create table marts.fct_orders (
                seller_id varchar, marketplace_id varchar, amazon_order_id varchar, purchase_date date,
                fulfillment_channel varchar, skus varchar, carrier varchar, ship_service_level varchar,
                {", ".join(f"{c} date" for c in DAY_COLUMNS)})
            """
        )
        rows = []
        for oid, purchased, channel, skus, carrier, level, events in ORDERS:
            days = dict(events)
            defects = [days[c] for c in ("negative_feedback_day", "counted_claim_day") if c in days]
            days["defect_day"] = min(defects) if defects else None
            rows.append((S1, US, oid, purchased, channel, skus, carrier, level, *(days.get(c) for c in DAY_COLUMNS)))
        rows.append((S2, DE, "X1", "2026-03-01", "MFN", "SKU-Z", "DHL", "Standard", *(None for _ in DAY_COLUMNS)))
        con.executemany(f"insert into marts.fct_orders values ({', '.join('?' * (8 + len(DAY_COLUMNS)))})", rows)
        update_alerts_after_dbt(con)


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
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
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
        ["CRITICAL", "5", "Late shipment rate", "MFN", "10d", "2026-04-06", "2026-04-10", "5.00%", "< 4.00%"],
        [
            "WARNING",
            "10",
            "Customer service rating",
            "ALL",
            "28d",
            "2026-04-01",
            "2026-04-10",
            "7.0 /10",
            ">= 6.0 /10 (warn < 8.0)",
        ],
    ]
    table = rows(re.search(r"<table class='current'>.*?</table>", us, re.S).group(0))
    current = {(r[0], r[1], r[2]): r[3:6] for r in table}
    assert current[("Order defect rate", "MFN", "60d")] == ["0.50%", "< 1.00%", "GOOD"]
    assert current[("Late shipment rate", "MFN", "10d")] == ["5.00%", "< 4.00%", "BAD"]
    assert current[("Average reply time", "ALL", "7d")] == ["5.0 h", "", "NO_TARGET"]
    assert current[("Order defect rate", "AFN", "60d")] == ["-", "< 1.00%", "NO_DATA"]
    # worst first: BAD, WARNING, GOOD, NO_TARGET, NO_DATA
    assert [r[5] for r in table] == ["BAD", "WARNING", "GOOD", "GOOD", "GOOD", "NO_TARGET", "NO_DATA"]
    assert "No open alerts." in section(page, S2, DE)


def card(html_text: str, metric: str) -> str:
    match = re.search(rf"<div class='card \w+' data-metric='{metric}'.*?</div></div></div>", html_text, re.S)
    assert match, f"no card for {metric}"
    return match.group(0)


def drivers(card_html: str, by: str) -> list[tuple]:
    table = re.search(rf"<table class='contributors' data-metric='\w+' data-by='{by}'>.*?</table>", card_html, re.S)
    assert table, by
    return [tuple(r) for r in rows(table.group(0))]


def test_what_needs_attention_with_its_drivers_and_the_next_step(page):
    """As of 2026-04-10, the late shipment rate (BAD) and the customer service rating (WARNING).

    Late shipments, 10-day window 04-01 .. 04-10 by ship-by day (the day before the first late day),
    MFN, not cancelled by 04-10: O7 (late from 04-05), O9 (never late, bought 04-04), O10 (late
    only from 04-11, after the day: not late yet); not O8 (cancelled 04-08), not O11 (ship-by 03-31).
    So 1 late shipment out of 3: O7, SKU-A (in 2 of the 3 orders), UPS (all 3), Standard (O7, O10).
    """
    us = section(page, S1, US)
    assert re.findall(r"<div class='card (\w+)' data-metric='(\w+)'", us) == [
        ("BAD", "late_shipment_rate"),
        ("WARNING", "customer_service_rating"),
    ]
    late = card(us, "late_shipment_rate")
    assert "Late shipment rate" in late and "Late shipments: 1 of 3 in the window 2026-04-01 to 2026-04-10" in late
    assert drivers(late, "event") == [("late shipment", "1", "", "", "100%")]
    assert drivers(late, "sku") == [("SKU-A", "1", "2", "50.0%", "100%")]
    assert drivers(late, "carrier") == [("UPS", "1", "3", "33.3%", "100%")]
    assert drivers(late, "level") == [("Standard", "1", "2", "50.0%", "100%")]
    step = html.unescape(re.search(r"<p class='step'>(.*?)</p>", late).group(1))
    assert "ship-by date" in step and "Standard by UPS" in step and "100%" in step
    rating = card(us, "customer_service_rating")
    assert "&gt;= 6.0 /10 (warn &lt; 8.0)" in rating and "threads rated NO" in rating
    assert 'class="warning-level"' in rating and 'data-warning="8.0"' in rating
    assert "Every metric with a target is GOOD" in section(page, S2, DE)


def test_drivers_as_of_a_past_day_share_multi_sku_orders_and_add_up(warehouse):
    """The odr MFN is BAD on 2026-03-25; its window is 01-11 .. 03-11 (lag 14, 60 days).

    MFN orders bought then: O1, O2, O3, O5 (O6 is older, O4 is AFN). Defects on or before 03-25:
    O1 (negative feedback 03-20), O2 (claim 03-24); O3's negative feedback of 03-26 is after the
    day. 2 of 4. O2 has two SKUs: half of it each, so SKU-A has 1 + 0.5 = 75 % and SKU-B 25 %.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        page = build_report(con, date(2026, 3, 25), datetime(2026, 4, 11, tzinfo=UTC), "test")
    odr = card(section(page, S1, US), "odr")
    assert "Orders with a defect: 2 of 4 in the window 2026-01-11 to 2026-03-11" in odr
    assert drivers(odr, "event") == [("A-to-z claim", "1", "", "", "50%"), ("negative feedback", "1", "", "", "50%")]
    assert drivers(odr, "sku") == [("SKU-A", "2", "2", "100.0%", "75%"), ("SKU-B", "1", "2", "50.0%", "25%")]
    assert drivers(odr, "carrier") == [("UPS", "1", "3", "33.3%", "50%"), ("USPS", "1", "1", "100.0%", "50%")]
    assert drivers(odr, "level") == [("Expedited", "1", "1", "100.0%", "50%"), ("Standard", "1", "3", "33.3%", "50%")]


def test_chart_axes_gridlines_dates_and_rates_within_100_percent():
    from pipelines.report import Point, Series, chart_svg, value_axis

    # A rate near 100 % never gets an axis above it; 0.4 points of order quality score do not fill the chart.
    assert value_axis("perfect_order_percentage", [0.93, 0.999])[1] == 1.0
    lo, hi, ticks = value_axis("order_quality_score", [96.6, 97.0])
    assert hi - lo >= 20 and hi <= 100 and len(ticks) >= 3
    assert value_axis("odr", [0.0, 0.002])[0] == 0.0
    first, last = date(2026, 1, 11), date(2026, 4, 10)
    points = [Point(first + timedelta(days=i), 0.99, "GOOD") for i in range(90)]
    svg = chart_svg(Series("perfect_order_percentage", "ALL", 90, 0.95, "AT_LEAST", points), first, last)
    labels = re.findall(r'<text class="axis xtick"[^>]*>([^<]+)</text>', svg)
    assert labels == ["Jan 15", "Feb 1", "Feb 15", "Mar 1", "Mar 15", "Apr 1"]
    yticks = re.findall(r'<text class="axis ytick"[^>]*>([^<]+)</text>', svg)
    assert yticks[-1] == "100%" and all(float(t.rstrip("%")) <= 100 for t in yticks)
    assert svg.count('class="grid"') == len(labels) + len(yticks)


def test_as_of_a_past_day(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        page = build_report(con, date(2026, 3, 25), datetime(2026, 4, 11, tzinfo=UTC), "test")
    us = section(page, S1, US)
    alerts = rows(re.search(r"<table class='alerts'>.*?</table>", us, re.S).group(0))
    # odr opened 2026-03-22 and was still open on 03-25: day 4, last breach 03-25 (not 03-31).
    assert [r[:7] for r in alerts] == [["CRITICAL", "4", "Order defect rate", "MFN", "60d", "2026-03-22", "2026-03-25"]]
    assert "2026-03-25" in charts(us)[("odr", "MFN", "60")]
    body = page[page.index("<nav>") :]
    assert max(re.findall(r"\d{4}-\d{2}-\d{2}", body)) == "2026-03-25"


def test_report_and_scorecard_commands(warehouse, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    out = tmp_path / "out" / "health.html"
    assert main(["report", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count('<svg class="chart"') == len(SERIES)
    assert main(["scorecard"]) == 0
    text = capsys.readouterr().out
    alerts = text[text.index("open alerts (2), worst first") :].splitlines()
    assert "CRITICAL" in alerts[2] and "Late shipment rate" in alerts[2] and " 5 " in alerts[2]
    assert "WARNING" in alerts[3] and "Customer service rating" in alerts[3] and " 10 " in alerts[3]
