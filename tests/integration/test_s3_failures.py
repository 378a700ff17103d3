"""S3 failures: retried where botocore does not retry, and named (export, day, file) when they stay."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from botocore.exceptions import ResponseStreamingError

from pipelines.defs.ingest.loader import ingest_export
from pipelines.lib.local_s3 import free_port
from pipelines.resources import S3CallFailed, S3Exports, Warehouse

KEY = "orders/seller_id=A2SELLER1X/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/part-0000.tsv"
HEADER = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\t"
    "sku\tasin\titem-status\tquantity\tcurrency\titem-price"
)
ROW = "111-1\t2026-03-04T10:00:00Z\t2026-03-04T20:00:00Z\tShipped\tMerchant\tAmazon.com\tS\tB1\tShipped\t1\tUSD\t9.99"


class BreakingBody:
    """A body whose connection drops `breaks` times while it is read."""

    def __init__(self, breaks: int):
        self.breaks = breaks

    def read(self):
        if self.breaks:
            self.breaks -= 1
            raise ResponseStreamingError(error="Connection broken: ConnectionResetError(104)")
        return b"the bytes"


class Client:
    def __init__(self, breaks: int):
        self.body = BreakingBody(breaks)
        self.calls = 0

    def get_object(self, Bucket, Key):  # noqa: N803 (boto3's names)
        self.calls += 1
        return {"Body": self.body, "ETag": '"abc"'}


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr("pipelines.resources.time.sleep", lambda seconds: None)


def test_a_body_that_breaks_off_is_downloaded_again(no_sleep):
    client = Client(breaks=2)
    assert S3Exports(bucket="b").get(client, KEY) == (b"the bytes", "abc")
    assert client.calls == 3


def test_a_body_that_keeps_breaking_names_export_day_and_file(no_sleep):
    with pytest.raises(S3CallFailed) as exc:
        S3Exports(bucket="b", max_attempts=3).get(Client(breaks=5), KEY)
    assert str(exc.value).startswith(f"export orders, day 2026-03-04, file s3://b/{KEY}: download broke off 3 times")
    assert "ConnectionResetError" in str(exc.value)


def test_an_unreachable_endpoint_names_export_and_days(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    s3 = S3Exports(bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=2)
    with pytest.raises(S3CallFailed, match=r"export claims, days 2026-03-01 \.\. 2026-03-04: listing s3://b/claims/"):
        s3.list_export("claims", date(2026, 3, 1), date(2026, 3, 4))


def test_a_failed_download_names_the_file_and_leaves_the_table_as_it_was(bucket, warehouse_path, monkeypatch):
    bucket.put(KEY, (HEADER + "\n" + ROW + "\n").encode())
    with Warehouse().connect() as con:
        ingest_export("orders", date(2026, 3, 4), date(2026, 3, 4), S3Exports(), con)

    # The file is deleted between the listing and its download.
    original = S3Exports.get

    def deleted_first(self, client, key):
        bucket.delete(key)
        return original(self, client, key)

    monkeypatch.setattr(S3Exports, "get", deleted_first)
    with pytest.raises(S3CallFailed) as exc, Warehouse().connect() as con:
        ingest_export("orders", date(2026, 3, 4), date(2026, 3, 4), S3Exports(), con)
    assert f"export orders, day 2026-03-04, file s3://{bucket.name}/{KEY}: download failed" in str(exc.value)
    assert "NoSuchKey" in str(exc.value)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute("select amazon_order_id from raw.orders").fetchall() == [("111-1",)]
