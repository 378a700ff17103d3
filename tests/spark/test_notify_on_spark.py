"""Notifications on the Spark engine: the marts are Spark tables, the outbox and its e-mail are the same.

A local Spark session (local[1], the engine's settings: Hive metastore and tables under
SELLERHEALTH_SPARK_DIR) holds hand-made marts. The alerts job's last part writes the ones the
outbox reads as Parquet; then the outbox and delivery assets run in Dagster with
SELLERHEALTH_ENGINE=spark against a real SMTP receiver on loopback.

    marts.alerts (Spark)
    A2SELLER1X / US  late_shipment_rate MFN 30d  WARNING OPEN  opened 2026-03-02, last breached 2026-03-03,
                                                 3.80% against < 4.00%               -> route us-late
    A2SELLER1X / US  odr MFN 60d                 CRITICAL OPEN opened 2026-03-03      (metric not routed)
    A3SELLER2X / DE  late_shipment_rate MFN 30d  WARNING OPEN  opened 2026-03-03      (marketplace not routed)

The latest day of data is 2026-03-03 for both sellers, so the recent period (2 days) is 03-02 .. 03-03
and all three are new: three OPENED changes, one of which the route takes. Its days open run from
03-02 to the day after the latest day: 2. Behind it, on 03-03: 19 of 500 late in the window
2026-02-02 .. 2026-03-03; the late MFN orders of that window carry SKU-A twice and SKU-B once (the
AFN order and the on-time one do not count, nor the DE seller's order).
"""

from __future__ import annotations

import email
import email.policy
from datetime import date

import dagster as dg
import duckdb
import pytest

pytest.importorskip("pyspark", reason="the Spark engine's extra is not installed: run `make test-spark`")

from pipelines.defs.notify.assets import Notifications, alert_notifications, notification_delivery  # noqa: E402
from pipelines.lib import engine  # noqa: E402
from pipelines.resources import Warehouse  # noqa: E402
from pipelines.spark_jobs import spark_session, write_notify_marts  # noqa: E402
from tests.receivers import SmtpReceiver  # noqa: E402

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-0b7e"

CONFIG = """\
channels:
  mail:
    type: email
    host: 127.0.0.1
    port: {port}
    starttls: true
    ca_file: {ca_file}
    username_env: TEST_SMTP_USER
    password_env: TEST_SMTP_PASSWORD
    from: sellerhealth@example.com
    to: [ops@example.com]
routes:
  - name: us-late
    match:
      marketplaces: [US]
      metrics: [late_shipment_rate]
    channels: [mail]
"""

ALERTS_DDL = """
create table marts.alerts (alert_id string, seller_id string, marketplace_id string, fulfillment_channel string,
  metric string, window_days int, severity string, status string, opened_on date, last_breached_on date,
  resolved_on date, value double, target double, target_condition string, acknowledged_by string,
  acknowledged_at timestamp, note string, source string) using parquet
"""
ALERTS = f"""
insert into marts.alerts values
  ('a-late', 'A2SELLER1X', '{US}', 'MFN', 'late_shipment_rate', 30, 'WARNING', 'OPEN', date'2026-03-02',
   date'2026-03-03', null, 0.038D, 0.04D, 'LESS_THAN', null, null, null, 'sellerhealth'),
  ('a-odr', 'A2SELLER1X', '{US}', 'MFN', 'odr', 60, 'CRITICAL', 'OPEN', date'2026-03-03',
   date'2026-03-03', null, 0.015D, 0.01D, 'LESS_THAN', null, null, null, 'sellerhealth'),
  ('a-de', 'A3SELLER2X', '{DE}', 'MFN', 'late_shipment_rate', 30, 'WARNING', 'OPEN', date'2026-03-03',
   date'2026-03-03', null, 0.039D, 0.04D, 'LESS_THAN', null, null, null, 'sellerhealth')
"""
METRICS_DDL = """
create table marts.seller_metrics_daily (seller_id string, marketplace_id string, fulfillment_channel string,
  metric string, window_days int, as_of_date date, status string, value double, target double,
  target_condition string, numerator double, denominator bigint, window_start date, window_end date) using parquet
"""
METRICS = f"""
insert into marts.seller_metrics_daily values
  ('A2SELLER1X', '{US}', 'MFN', 'late_shipment_rate', 30, date'2026-03-02', 'WARNING', 0.036D, 0.04D,
   'LESS_THAN', 18D, 500, date'2026-02-01', date'2026-03-02'),
  ('A2SELLER1X', '{US}', 'MFN', 'late_shipment_rate', 30, date'2026-03-03', 'WARNING', 0.038D, 0.04D,
   'LESS_THAN', 19D, 500, date'2026-02-02', date'2026-03-03'),
  ('A2SELLER1X', '{US}', 'MFN', 'odr', 60, date'2026-03-03', 'BAD', 0.015D, 0.01D,
   'LESS_THAN', 3D, 200, date'2026-01-03', date'2026-03-03'),
  ('A3SELLER2X', '{DE}', 'MFN', 'late_shipment_rate', 30, date'2026-03-03', 'WARNING', 0.039D, 0.04D,
   'LESS_THAN', 39D, 1000, date'2026-02-02', date'2026-03-03')
"""
ORDERS_DDL = """
create table marts.fct_orders (seller_id string, marketplace_id string, amazon_order_id string, purchase_date date,
  fulfillment_channel string, skus string, is_defect boolean, is_late_shipment boolean) using parquet
"""
ORDERS = f"""
insert into marts.fct_orders values
  ('A2SELLER1X', '{US}', '111-1', date'2026-02-20', 'MFN', 'SKU-A|SKU-B', false, true),
  ('A2SELLER1X', '{US}', '111-2', date'2026-02-25', 'MFN', 'SKU-A', false, true),
  ('A2SELLER1X', '{US}', '111-3', date'2026-02-26', 'AFN', 'SKU-C', false, true),
  ('A2SELLER1X', '{US}', '111-4', date'2026-02-27', 'MFN', 'SKU-D', false, false),
  ('A2SELLER1X', '{US}', '111-5', date'2026-01-20', 'MFN', 'SKU-E', false, true),
  ('A3SELLER2X', '{DE}', '222-1', date'2026-02-20', 'MFN', 'SKU-Z', false, true)
"""


@pytest.fixture
def spark_engine(tmp_path, monkeypatch):
    """SELLERHEALTH_ENGINE=spark on local[1], with the hand-made marts as Spark tables."""
    monkeypatch.setenv("SELLERHEALTH_ENGINE", "spark")
    monkeypatch.setenv("SPARK_MASTER_URL", "local[1]")
    monkeypatch.setenv("SELLERHEALTH_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("SELLERHEALTH_SPARK_SHUFFLE_PARTITIONS", "1")
    spark = spark_session("sellerhealth-test-notify")
    try:
        spark.sql("create database if not exists marts")
        for statement in (ALERTS_DDL, ALERTS, METRICS_DDL, METRICS, ORDERS_DDL, ORDERS):
            spark.sql(statement)
        yield spark
    finally:
        spark.stop()


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    receiver = SmtpReceiver(tmp_path, SMTP_USER, SMTP_PASSWORD).start()
    monkeypatch.setenv("TEST_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    config = tmp_path / "notifications.yml"
    config.write_text(CONFIG.format(port=receiver.port, ca_file=receiver.ca_file))
    monkeypatch.setenv("SELLERHEALTH_NOTIFICATIONS", str(config))
    monkeypatch.delenv("SELLERHEALTH_NOTIFY_RECENT_DAYS", raising=False)
    yield receiver
    receiver.stop()


def notify(path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [alert_notifications, notification_delivery],
        resources={"warehouse": Warehouse(path=str(path)), "notifications": Notifications()},
        instance=dg.DagsterInstance.ephemeral(),
    )


def test_the_spark_marts_changes_are_recorded_and_mailed_once(spark_engine, smtp, warehouse_path):
    # the alerts job's last part: the marts the outbox reads, as Parquet beside the Spark tables
    written = write_notify_marts(spark_engine)
    assert written == {"alerts": 3, "seller_metrics_daily": 4, "fct_orders": 6}
    assert sorted(p.name for p in engine.notify_marts_path().iterdir()) == sorted(written)

    assert notify(warehouse_path).success
    (mail,) = smtp.mails
    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert (mail.rcpt_tos, mail.login) == (["ops@example.com"], SMTP_USER)
    assert message["Subject"] == "[sellerhealth] us-late: 1 opened"
    body = message.get_content()
    assert (
        "- OPENED WARNING A2SELLER1X / US: late_shipment_rate (MFN, 30-day window) 3.80% against target < 4.00%; "
        "open 2 days since 2026-03-02" in body
    )
    assert (
        "behind it: 19 of 500 in the window 2026-02-02 .. 2026-03-03; top SKUs: SKU-A (2 orders), SKU-B (1 order)"
        in body
    )
    assert "odr" not in body and "A3SELLER2X" not in body and "SKU-C" not in body and "SKU-E" not in body

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        outbox = con.execute(
            "select alert_id, change, change_day, route, channel, status, attempts, idempotency_key "
            "from marts.alert_notifications"
        ).fetchall()
        state = con.execute("select * from marts.alert_notification_state order by alert_id").fetchall()
        marts = con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    assert [row[:7] for row in outbox] == [("a-late", "OPENED", date(2026, 3, 2), "us-late", "mail", "SENT", 1)]
    assert message["X-Idempotency-Key"] == outbox[0][7]
    assert state == [("a-de", "OPEN", "WARNING"), ("a-late", "OPEN", "WARNING"), ("a-odr", "OPEN", "CRITICAL")]
    # the DuckDB file keeps the outbox and its state; the marts stay Spark's (the views were dropped)
    assert marts == [("alert_notification_state", "BASE TABLE"), ("alert_notifications", "BASE TABLE")]

    # the next run, with nothing changed in Spark: no change, no e-mail
    write_notify_marts(spark_engine)
    assert notify(warehouse_path).success
    assert len(smtp.mails) == 1


def test_a_warehouse_with_duckdb_built_marts_is_not_overwritten(spark_engine, smtp, warehouse_path):
    """A DuckDB file whose marts.alerts is a table of a DuckDB-engine run stops the step; the table is kept."""
    write_notify_marts(spark_engine)
    warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.alerts (alert_id varchar)")
        con.execute("insert into marts.alerts values ('kept')")
    result = dg.materialize(
        [alert_notifications],
        resources={"warehouse": Warehouse(path=str(warehouse_path)), "notifications": Notifications()},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "has tables marts.alerts of a DuckDB-engine run" in str(failure.step_failure_data.error)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute("select * from marts.alerts").fetchall() == [("kept",)]
    assert smtp.mails == []
