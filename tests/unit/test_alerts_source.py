"""`marts.alerts` with a `source`: Amazon's own warnings as alerts, and the upgrade of a warehouse
built before the column existed. Every expected row is worked out by hand below."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import duckdb

from pipelines.defs.alerts.assets import read_alerts
from tests.alert_episodes import update_alerts_after_dbt

SELLER, US = "A2SELLER1X", "ATVPDKIKX0DER"

# marts.alerts exactly as it was created before alerts had a source.
OLD_DDL = """
create table marts.alerts (
    alert_id varchar not null, seller_id varchar not null, marketplace_id varchar not null,
    fulfillment_channel varchar not null, metric varchar not null, window_days integer not null,
    severity varchar not null, status varchar not null, opened_on date not null,
    last_breached_on date not null, resolved_on date, value double, target double,
    target_condition varchar, acknowledged_by varchar, acknowledged_at timestamp, note varchar
)
"""


def old_id(*parts: str) -> str:
    """The id formula the alerts had before they had a source: hash of the series and opened_on."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def warehouse(path, metric_days, amazon_days) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create schema if not exists intermediate")
    con.execute(
        "create or replace table marts.seller_metrics_daily (seller_id varchar, marketplace_id varchar, "
        "fulfillment_channel varchar, metric varchar, window_days integer, as_of_date date, status varchar, "
        "value double, target double, target_condition varchar)"
    )
    for day, status in metric_days:
        con.execute(
            "insert into marts.seller_metrics_daily values (?, ?, 'MFN', 'odr', 60, ?, ?, 0.02, 0.01, 'LESS_THAN')",
            [SELLER, US, day, status],
        )
    con.execute(
        "create or replace table intermediate.int_amazon_alert_days (seller_id varchar, marketplace_id varchar, "
        "fulfillment_channel varchar, amazon_metric varchar, snapshot_date date, status varchar, value double, "
        "target double, target_condition varchar)"
    )
    for day, status, score in amazon_days:
        con.execute(
            "insert into intermediate.int_amazon_alert_days values "
            "(?, ?, 'ALL', 'accountHealthRating', ?, ?, ?, null, null)",
            [SELLER, US, day, status, score],
        )
    return con


METRIC_DAYS = [(date(2026, 3, d), s) for d, s in ((1, "GOOD"), (2, "BAD"), (3, "BAD"), (4, "GOOD"))]
# Snapshots on Mondays only: AHR GREAT (GOOD), AT_RISK (BAD) with score 180, GOOD again.
AMAZON_DAYS = [(date(2026, 3, 2), "GOOD", 950.0), (date(2026, 3, 9), "BAD", 180.0), (date(2026, 3, 16), "GOOD", 400.0)]


def test_an_ahr_status_change_opens_and_resolves_an_amazon_alert(tmp_path):
    con = warehouse(tmp_path / "w.duckdb", METRIC_DAYS, AMAZON_DAYS)
    rows = update_alerts_after_dbt(con)
    amazon = [a for a in rows if a.source == "amazon"]
    ours = [a for a in rows if a.source == "sellerhealth"]
    assert [(a.metric, a.fulfillment_channel, a.window_days) for a in amazon] == [("accountHealthRating", "ALL", 0)]
    (alert,) = amazon
    # Opened by the AT_RISK snapshot of 03-09, resolved by the healthy one of 03-16; no day in between counts.
    assert (alert.status, alert.severity, alert.opened_on, alert.last_breached_on, alert.resolved_on) == (
        "RESOLVED",
        "CRITICAL",
        date(2026, 3, 9),
        date(2026, 3, 9),
        date(2026, 3, 16),
    )
    assert alert.value == 180.0
    assert [(a.metric, a.opened_on, a.resolved_on) for a in ours] == [("odr", date(2026, 3, 2), date(2026, 3, 4))]
    # A later AT_RISK snapshot opens a new amazon alert, and an annotation on the old one stays.
    con.execute("update marts.alerts set note = 'appeal sent' where alert_id = ?", [alert.alert_id])
    con.execute(
        "insert into intermediate.int_amazon_alert_days values "
        "(?, ?, 'ALL', 'accountHealthRating', '2026-03-23', 'BAD', null, null, null)",
        [SELLER, US],
    )
    update_alerts_after_dbt(con)
    stored = sorted((a for a in read_alerts(con) if a.source == "amazon"), key=lambda a: a.opened_on)
    assert [(a.opened_on, a.status, a.note) for a in stored] == [
        (date(2026, 3, 9), "RESOLVED", "appeal sent"),
        (date(2026, 3, 23), "OPEN", None),
    ]
    assert stored[0].alert_id == alert.alert_id


def test_a_warehouse_built_before_sources_keeps_every_row_and_annotation(tmp_path):
    path = tmp_path / "w.duckdb"
    con = warehouse(path, METRIC_DAYS, [])
    con.execute(OLD_DDL)
    odr_id = old_id(SELLER, US, "MFN", "odr", "60", "2026-03-02")
    vanished_id = old_id(SELLER, US, "MFN", "late_shipment_rate", "10", "2026-02-20")
    acknowledged = datetime(2026, 3, 3, 9, 30)
    con.execute(
        "insert into marts.alerts values "
        "(?, ?, ?, 'MFN', 'odr', 60, 'CRITICAL', 'OPEN', '2026-03-02', '2026-03-03', null, 0.02, 0.01, "
        "'LESS_THAN', 'maria', ?, 'carrier strike'), "
        "(?, ?, ?, 'MFN', 'late_shipment_rate', 10, 'WARNING', 'RESOLVED', '2026-02-20', '2026-02-21', "
        "'2026-02-22', 0.05, 0.04, 'LESS_THAN', 'li', null, 'seen')",
        [odr_id, SELLER, US, acknowledged, vanished_id, SELLER, US],
    )
    con.close()

    con = duckdb.connect(str(path))
    con.execute(
        "insert into intermediate.int_amazon_alert_days select * from (values "
        "('A2SELLER1X', 'ATVPDKIKX0DER', 'ALL', 'accountStatus', date '2026-03-02', 'BAD', null::double, "
        "null::double, null::varchar)) as t(seller_id, marketplace_id, fulfillment_channel, amazon_metric, "
        "snapshot_date, status, value, target, target_condition)"
    )
    update_alerts_after_dbt(con)
    rows = {a.alert_id: a for a in read_alerts(con)}
    # The recomputed ODR episode (03-02 to 03-04) keeps its id and its annotation; the vanished one,
    # annotated, stays as it was; both are sellerhealth's. Amazon's SUSPENDED status opens one more.
    odr = rows[odr_id]
    assert (odr.source, odr.status, odr.resolved_on) == ("sellerhealth", "RESOLVED", date(2026, 3, 4))
    assert (odr.acknowledged_by, odr.acknowledged_at, odr.note) == ("maria", acknowledged, "carrier strike")
    vanished = rows[vanished_id]
    assert (vanished.source, vanished.status, vanished.acknowledged_by, vanished.note) == (
        "sellerhealth",
        "RESOLVED",
        "li",
        "seen",
    )
    assert sorted((a.source, a.metric) for a in rows.values()) == [
        ("amazon", "accountStatus"),
        ("sellerhealth", "late_shipment_rate"),
        ("sellerhealth", "odr"),
    ]
    columns = [
        c for (c,) in con.execute("select column_name from duckdb_columns() where table_name = 'alerts'").fetchall()
    ]
    assert columns[-1] == "source" and len(columns) == 18
