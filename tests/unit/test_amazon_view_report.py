"""The scorecard's disagreement lines and the report's Amazon section, on a hand-made warehouse."""

from __future__ import annotations

import re
from datetime import date

import duckdb

from pipelines.amazon_view import load_amazon_views
from pipelines.report import amazon_view_section
from pipelines.scorecard import render_amazon_disagreements

S1, US = "A2SELLER1X", "ATVPDKIKX0DER"


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.amazon_account_health (seller_id varchar, marketplace_id varchar, snapshot_date date, "
        "amazon_metric varchar, fulfillment_channel varchar, entry_kind varchar, status varchar, "
        "event_count bigint, account_status varchar, ahr_status varchar, ahr_score double)"
    )
    for day, ahr, score in ((date(2026, 3, 2), "GOOD", 400.0), (date(2026, 3, 9), "AT_RISK", 180.0)):
        con.execute(
            "insert into marts.amazon_account_health values "
            "(?, ?, ?, 'accountHealthRating', 'ALL', 'account_health_rating', ?, null, 'NORMAL', ?, ?), "
            "(?, ?, ?, 'listingPolicyViolations', 'ALL', 'policy', 'BAD', 2, 'NORMAL', ?, ?), "
            "(?, ?, ?, 'spammingSellerMessaging', 'ALL', 'warning_state', 'BAD', null, 'NORMAL', ?, ?)",
            [S1, US, day, ahr, ahr, score] + [S1, US, day, ahr, score] * 2,
        )
    con.execute("create table marts.amazon_metrics (amazon_metric varchar, label varchar)")
    con.execute(
        "insert into marts.amazon_metrics values ('orderDefectRate', 'Order defect rate'), "
        "('lateShipmentRate', 'Late shipment rate')"
    )
    con.execute(
        "create table marts.metric_reconciliation (seller_id varchar, marketplace_id varchar, snapshot_date date, "
        "amazon_metric varchar, fulfillment_channel varchar, metric varchar, reporting_date_from date, "
        "reporting_date_to date, amazon_denominator bigint, amazon_numerator bigint, amazon_rate double, "
        "denominator bigint, numerator bigint, value double, rate_difference double, amazon_status varchar, "
        "status varchar, agrees boolean, coverage varchar)"
    )
    con.execute(
        "insert into marts.metric_reconciliation values "
        # agrees: 4/200 both sides
        "(?, ?, '2026-03-09', 'lateShipmentRate', 'MFN', 'late_shipment_rate', '2026-02-07', '2026-03-08', "
        "200, 4, 0.02, 200, 4, 0.02, 0.0, 'GOOD', 'GOOD', true, 'COMPLETE'), "
        # disagrees: Amazon 12/1000 = 1.2 % BAD, sellerhealth 9/990 GOOD, a missing orders day explains it
        "(?, ?, '2026-03-09', 'orderDefectRate', 'MFN', 'odr', '2025-12-25', '2026-02-22', "
        "1000, 12, 0.012, 990, 9, 0.00909090909, -0.00290909091, 'BAD', 'GOOD', false, 'PARTIAL'), "
        # agrees on the rate (0 %), but 4 orders fewer: a line too
        "(?, ?, '2026-03-09', 'prefulfillmentCancelRate', 'MFN', 'cancel_rate', '2026-03-02', '2026-03-08', "
        "98, 0, 0.0, 94, 0, 0.0, 0.0, 'GOOD', 'GOOD', true, 'PARTIAL'), "
        # an older snapshot's row is not shown
        "(?, ?, '2026-03-02', 'orderDefectRate', 'MFN', 'odr', '2025-12-18', '2026-02-15', "
        "1000, 30, 0.03, 1000, 9, 0.009, -0.021, 'BAD', 'GOOD', false, 'COMPLETE')",
        [S1, US] * 4,
    )
    return con


def entries(text: str) -> list[str]:
    """The scorecard's Amazon section as one string per head or entry (continuation lines, indented
    four more columns than the line they continue, joined to it)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("    "):
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return out


def test_the_scorecard_has_an_entry_per_disagreement_of_the_latest_snapshot_within_100_columns():
    text = render_amazon_disagreements(warehouse(), None)
    # the text scorecard never prints a longer line: the head and each entry wrap at spaces
    assert max(len(line) for line in text.splitlines()) <= 100
    assert len(text.splitlines()) > 3
    lines = entries(text)
    assert lines[0] == (
        "Amazon's view of A2SELLER1X / US on 2026-03-09: account NORMAL, AHR AT_RISK 180; 2 of 3 disagree"
    )
    assert len(lines) == 3
    assert lines[1].strip() == (
        "Order defect rate (orderDefectRate) MFN 2025-12-25..2026-02-22: Amazon 1.20% (12/1000) BAD, "
        "sellerhealth 0.91% (9/990) GOOD, difference -0.29 pp; coverage PARTIAL "
        "(exports missing on some days of the range)"
    )
    assert lines[2].strip() == (
        "prefulfillmentCancelRate (prefulfillmentCancelRate) MFN 2026-03-02..2026-03-08: Amazon 0.00% (0/98) GOOD, "
        "sellerhealth 0.00% (0/94) GOOD, difference +0.00 pp; coverage PARTIAL "
        "(exports missing on some days of the range)"
    )


def test_an_earlier_as_of_day_reads_the_snapshot_of_the_next_day():
    # As of 03-01, the snapshot of 03-02 (Amazon's view as of 03-01) is the latest one.
    text = render_amazon_disagreements(warehouse(), date(2026, 3, 1))
    assert text.splitlines()[0].startswith("Amazon's view of A2SELLER1X / US on 2026-03-02: account NORMAL, AHR GOOD")
    assert "(30/1000)" in text


def test_the_scorecards_seller_and_marketplace_filters_keep_to_their_seller_marketplace():
    # A second seller in DE with the same snapshot: unfiltered, both are listed; each filter keeps one.
    con = warehouse()
    for table in ("amazon_account_health", "metric_reconciliation"):
        con.execute(
            f"insert into marts.{table} select 'A3SELLER2X' as seller_id, 'A1PA6795UKMFR9' as marketplace_id, "
            f"* exclude (seller_id, marketplace_id) from marts.{table}"
        )
    heads = [line for line in render_amazon_disagreements(con, None).splitlines() if not line.startswith("  ")]
    assert [h.split(" on ")[0] for h in heads] == [
        "Amazon's view of A2SELLER1X / US",
        "Amazon's view of A3SELLER2X / DE",
    ]
    only_first = render_amazon_disagreements(con, None, seller=S1)
    assert only_first == render_amazon_disagreements(warehouse(), None)
    only_de = render_amazon_disagreements(con, None, marketplace="A1PA6795UKMFR9")
    assert only_de.splitlines()[0].startswith("Amazon's view of A3SELLER2X / DE on 2026-03-09")
    assert len(entries(only_de)) == 3
    assert render_amazon_disagreements(con, None, seller=S1, marketplace="A1PA6795UKMFR9") == (
        "no account health snapshot from Amazon"
    )


def test_the_report_section_lists_disagreements_first_and_amazons_view():
    (view,) = load_amazon_views(warehouse(), None).values()
    section = amazon_view_section(view)
    entries = re.findall(r"data-entry='(\w+)'", section)
    assert entries == ["orderDefectRate", "prefulfillmentCancelRate", "lateShipmentRate"]
    assert "snapshot of 2026-03-09" in section and "(score 180)" in section
    assert "spammingSellerMessaging" in section and "listingPolicyViolations" in section
    assert "2 of 3 entries disagree" in section
    assert amazon_view_section(None).endswith("No account health snapshot from Amazon.</p>")
