"""Real report files (tests/fixtures/real, see its SOURCES.md), uploaded unedited under the S3 layout."""

from datetime import date

import duckdb

from pipelines.defs.ingest.loader import ingest_export
from pipelines.resources import S3Exports, Warehouse
from tests.conftest import REAL_FIXTURES
from tests.pii import personal_data_found

US = "ATVPDKIKX0DER"


def _ingest(export, day, path):
    with Warehouse(path=str(path)).connect() as con:
        return ingest_export(export, day, day, S3Exports(), con)


def test_real_2018_all_orders_file_loads_all_101_rows_of_74_orders(bucket, warehouse_path):
    body = (REAL_FIXTURES / "all_orders_pomina_2018" / "all_orders.tsv").read_bytes()
    assert b"\r\n" in body and b"promotion-ids \r\n" in body  # the file really is as SOURCES.md says
    bucket.put(f"orders/seller_id=A2POMINA1X/marketplace_id={US}/dt=2018-01-09/all_orders.tsv", body)
    summary = _ingest("orders", date(2018, 1, 9), warehouse_path)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected, summary.files_rejected) == (101, 101, 0, 0)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute("select count(distinct amazon_order_id) from raw.orders").fetchone() == (74,)
        assert con.execute("select min(purchase_date)::date, max(purchase_date)::date from raw.orders").fetchone() == (
            date(2017, 12, 10),
            date(2018, 1, 9),
        )
        channels = dict(con.execute("select fulfillment_channel, count(*) from raw.orders group by 1").fetchall())
        assert set(channels) == {"Amazon", "Merchant"}
        statuses = {s for (s,) in con.execute("select distinct order_status from raw.orders").fetchall()}
        assert {"Shipped", "Cancelled", "Pending"} <= statuses
        # Cancelled rows have empty prices: loaded as NULL, not rejected.
        assert (
            con.execute(
                "select count(*) from raw.orders where order_status = 'Cancelled' and item_price is null"
            ).fetchone()[0]
            > 0
        )
    assert personal_data_found(warehouse_path) == []


def test_real_2011_feedback_file_loads_135_rows_and_no_email(bucket, warehouse_path):
    body = (REAL_FIXTURES / "feedback_2011" / "feedback.tsv").read_bytes()
    assert body.count(b"@marketplace.amazon.com") == 135
    bucket.put(f"feedback/seller_id=A2OPTORO1X/marketplace_id={US}/dt=2011-07-03/feedback.tsv", body)
    summary = _ingest("feedback", date(2011, 7, 3), warehouse_path)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (135, 135, 0)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        first, last, negative = con.execute(
            "select min(feedback_date), max(feedback_date), count(*) filter (where rating <= 2) from raw.feedback"
        ).fetchone()
        # The real file's first line is "7/3/11 ... 5" (US date: 3 July 2011); it runs from February.
        assert last == date(2011, 7, 3) and first.year == 2011 and first.month == 2
        assert negative > 0
    assert personal_data_found(warehouse_path) == []


def test_amazon_account_health_example_loads(bucket, warehouse_path):
    body = (REAL_FIXTURES / "amazon_official_examples" / "GET_V2_SELLER_PERFORMANCE_REPORT.example.json").read_bytes()
    bucket.put(f"account_health/seller_id=A2SELLER1X/marketplace_id={US}/dt=2020-11-19/report.json", body)
    summary = _ingest("account_health", date(2020, 11, 19), warehouse_path)
    assert summary.rows_rejected == 0 and summary.files_rejected == 0
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        odr = con.execute(
            "select fulfillment_channel, rate, order_count, defect_count, target_value "
            "from raw.account_health where metric = 'order_defect_rate' order by 1"
        ).fetchall()
        assert odr == [("AFN", 0.009, 539000, 1078, 0.01), ("MFN", 0.009, 539000, 1078, 0.01)]
        statuses = dict(
            con.execute(
                "select report_marketplace_id, status from raw.account_health where metric = 'account_status'"
            ).fetchall()
        )
        assert statuses == {"ATVPDKIKX0DER": "AT_RISK", "A2EUQ1WTGCTBG2": "NORMAL", "A1AM78C64UM0Y8": "SUSPENDED"}
        assert con.execute(
            "select rate from raw.account_health where metric = 'prefulfillment_cancel_rate'"
        ).fetchone() == (0.005,)
        assert con.execute(
            "select status from raw.account_health where metric = 'account_health_rating'"
        ).fetchone() == ("WARNED",)
