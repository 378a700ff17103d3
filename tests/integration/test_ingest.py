"""Ingestion against a real moto_server over HTTP and a real DuckDB file."""

from __future__ import annotations

import gzip
import time
from datetime import date

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.defs.ingest.assets import RECONCILE_CHECK, REJECTS_CHECK, ingest_assets
from pipelines.defs.ingest.loader import ingest_export
from pipelines.resources import S3Exports, Warehouse

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
HEADER = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\t"
    "sku\tasin\titem-status\tquantity\tcurrency\titem-price"
)


def order_row(order_id: str, sku: str = "SKU-1", status: str = "Shipped", price: str = "9.99") -> str:
    return (
        f"{order_id}\t2026-03-04T10:00:00-05:00\t2026-03-04T20:00:00Z\t{status}\tMerchant\tAmazon.com\t"
        f"{sku}\tB000000001\tShipped\t1\tUSD\t{price}"
    )


def orders_file(*rows: str, end: str = "\n") -> bytes:
    return (end.join([HEADER, *rows]) + end).encode()


def key(export="orders", seller="A2SELLER1X", marketplace=US, dt="2026-03-04", file="part-0000.tsv"):
    return f"{export}/seller_id={seller}/marketplace_id={marketplace}/dt={dt}/{file}"


def ingest(export="orders", first=date(2026, 3, 4), last=date(2026, 3, 4), path=None):
    with Warehouse(path=str(path)).connect() as con:
        return ingest_export(export, first, last, S3Exports(), con)


def query(path, sql, params=None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_upload_ingest_with_lineage(bucket, warehouse_path):
    put_key = bucket.put(key(), orders_file(order_row("111-1"), order_row("111-2")))
    summary = ingest(path=warehouse_path)
    assert (summary.files, summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (1, 2, 2, 0)
    rows = query(
        warehouse_path,
        "select amazon_order_id, seller_id, marketplace_id, dt, _source_key, _etag, "
        "_line_number, _loaded_at is not null from raw.orders order by 1",
    )
    etag = bucket.client.head_object(Bucket=bucket.name, Key=put_key)["ETag"].strip('"')
    assert rows == [
        ("111-1", "A2SELLER1X", US, date(2026, 3, 4), put_key, etag, 2, True),
        ("111-2", "A2SELLER1X", US, date(2026, 3, 4), put_key, etag, 3, True),
    ]


def test_reupload_same_key_replaces_old_rows(bucket, warehouse_path):
    bucket.put(key(), orders_file(order_row("111-1"), order_row("111-2")))
    ingest(path=warehouse_path)
    bucket.put(key(), orders_file(order_row("111-3", price="5.00")))
    ingest(path=warehouse_path)
    assert query(warehouse_path, "select amazon_order_id, item_price from raw.orders") == [("111-3", 5.0)]
    assert query(warehouse_path, "select count(*) from raw.ingested_files") == [(1,)]


def test_file_deleted_from_the_bucket_leaves_the_warehouse_on_reload(bucket, warehouse_path):
    bucket.put(key(file="part-0000.tsv"), orders_file(order_row("111-1")))
    bucket.put(key(file="part-0001.tsv"), orders_file(order_row("111-2")))
    ingest(path=warehouse_path)
    bucket.delete(key(file="part-0001.tsv"))
    ingest(path=warehouse_path)
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("111-1",)]


def test_only_days_in_range_and_every_seller_and_marketplace(bucket, warehouse_path):
    bucket.put(key(dt="2026-03-03"), orders_file(order_row("111-0")))
    bucket.put(key(dt="2026-03-04"), orders_file(order_row("111-1")))
    bucket.put(key(seller="A2SELLER2X", marketplace=DE, dt="2026-03-05"), orders_file(order_row("111-2")))
    bucket.put(key(dt="2026-03-06"), orders_file(order_row("111-3")))
    ingest(first=date(2026, 3, 4), last=date(2026, 3, 5), path=warehouse_path)
    assert query(warehouse_path, "select amazon_order_id, seller_id, marketplace_id from raw.orders order by 1") == [
        ("111-1", "A2SELLER1X", US),
        ("111-2", "A2SELLER2X", DE),
    ]


def test_gzip_and_bom_crlf_files(bucket, warehouse_path):
    bucket.put(key(file="part-0000.tsv.gz"), gzip.compress(orders_file(order_row("111-1"))))
    bucket.put(key(file="part-0001.tsv"), b"\xef\xbb\xbf" + orders_file(order_row("111-2"), end="\r\n"))
    summary = ingest(path=warehouse_path)
    assert summary.rows_loaded == 2 and summary.files_rejected == 0
    assert query(warehouse_path, "select amazon_order_id, sku, item_price from raw.orders order by 1") == [
        ("111-1", "SKU-1", 9.99),
        ("111-2", "SKU-1", 9.99),
    ]


def test_file_missing_a_required_column_is_rejected_and_others_load(bucket, warehouse_path):
    # two blank lines first: the header is line 3, and the rejection says so
    bad = "\n\n" + HEADER.replace("\tsku", "") + "\n" + order_row("111-9").replace("\tSKU-1", "") + "\n"
    bad_key = bucket.put(key(file="part-0000.tsv"), bad.encode())
    bucket.put(key(file="part-0001.tsv"), orders_file(order_row("111-1")))
    summary = ingest(path=warehouse_path)
    assert summary.files_rejected == 1
    assert any(bad_key in p and "'sku'" in p for p in summary.problems)
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("111-1",)]
    assert query(
        warehouse_path,
        "select status, rows_read, rows_loaded, rows_rejected from raw.ingested_files where source_key = ?",
        [bad_key],
    ) == [("REJECTED", 1, 0, 1)]
    (reason,) = query(warehouse_path, "select message from raw.rejected_rows where column_name = 'sku'")
    assert bad_key in reason[0] and "line 3: missing required column 'sku'" in reason[0]
    assert query(warehouse_path, "select line_number, column_name, check_name from raw.rejected_rows") == [
        (3, "sku", "required_column")
    ]


def test_bad_rows_kept_aside_good_rows_load_counts_reconcile(bucket, warehouse_path):
    body = orders_file(
        order_row("111-1"),
        order_row("111-2", price="abc"),  # line 3
        order_row("111-3").replace("2026-03-04T10:00:00-05:00", "2026-02-30T10:00:00-05:00"),  # line 4
        order_row("111-4"),
    )
    put_key = bucket.put(key(), body)
    summary = ingest(path=warehouse_path)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (4, 2, 2)
    assert summary.reconciles
    assert query(warehouse_path, "select amazon_order_id from raw.orders order by 1") == [("111-1",), ("111-4",)]
    assert query(
        warehouse_path,
        "select source_key, line_number, column_name, failure_value from raw.rejected_rows order by line_number",
    ) == [(put_key, 3, "item-price", "abc"), (put_key, 4, "purchase-date", "2026-02-30T10:00:00-05:00")]
    messages = query(warehouse_path, "select message from raw.rejected_rows order by line_number")
    assert f"{put_key}, line 3, column item-price" in messages[0][0]


def test_keys_outside_the_layout_are_ignored_and_reported(bucket, warehouse_path):
    bucket.put(key(seller="A1'OR'1"), orders_file(order_row("111-9")))
    bucket.put(key(file="sub/part-0000.tsv"), orders_file(order_row("111-8")))
    bucket.put(key(), orders_file(order_row("111-1")))
    summary = ingest(path=warehouse_path)
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("111-1",)]
    assert len(summary.invalid_keys) == 2


def test_dagster_assets_single_run_over_a_range_with_checks(bucket, warehouse_path):
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        bucket.put(key(dt=day), orders_file(order_row(f"111-{day[-1]}"), order_row("111-x", price="bad")))
    feedback = "Date\tRating\tOrder ID\n3/3/26\t1\t111-3\n"
    bucket.put(key("feedback", dt="2026-03-03"), feedback.encode())
    orders_asset = next(a for a in ingest_assets if a.key.path == ["raw", "orders"])
    feedback_asset = next(a for a in ingest_assets if a.key.path == ["raw", "feedback"])
    result = dg.materialize(
        [orders_asset, feedback_asset],
        resources={"s3": S3Exports(), "warehouse": Warehouse()},
        tags={ASSET_PARTITION_RANGE_START_TAG: "2026-03-02", ASSET_PARTITION_RANGE_END_TAG: "2026-03-04"},
    )
    assert result.success
    # One run and one step for the three days (a single-run backfill), recorded for each partition.
    materializations = result.asset_materializations_for_node(orders_asset.op.name)
    assert sorted(m.partition for m in materializations) == ["2026-03-02", "2026-03-03", "2026-03-04"]
    steps = [e for e in result.all_events if e.is_step_start and e.step_key == orders_asset.op.name]
    assert len(steps) == 1
    meta = materializations[0].metadata
    assert (meta["files"].value, meta["rows_read"].value, meta["rows_loaded"].value, meta["rows_rejected"].value) == (
        3,
        6,
        3,
        3,
    )
    checks = {(e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks[("orders", RECONCILE_CHECK)] is True
    assert checks[("orders", REJECTS_CHECK)] is False
    assert checks[("feedback", REJECTS_CHECK)] is True
    assert query(warehouse_path, "select count(*) from raw.orders") == [(3,)]


def test_loading_keeps_to_its_own_memory_limit(bucket, warehouse_path, monkeypatch):
    """The load's DuckDB connection is held to SELLERHEALTH_LOAD_MEMORY_LIMIT, not the models' limit."""
    from pipelines.defs.ingest import assets

    bucket.put(key(), orders_file(order_row("111-1")))
    monkeypatch.setenv("SELLERHEALTH_LOAD_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("SELLERHEALTH_DUCKDB_MEMORY_LIMIT", "1GB")
    seen = []

    def recording(export, first_day, last_day, s3, con, **kwargs):
        seen.append(con.execute("select current_setting('memory_limit')").fetchone()[0])
        return ingest_export(export, first_day, last_day, s3, con, **kwargs)

    monkeypatch.setattr(assets, "ingest_export", recording)
    orders_asset = next(a for a in ingest_assets if a.key.path == ["raw", "orders"])
    result = dg.materialize(
        [orders_asset], resources={"s3": S3Exports(), "warehouse": Warehouse()}, partition_key="2026-03-04"
    )
    assert result.success
    # 300 MB = 300,000,000 bytes = 286.1 MiB, as DuckDB shows it
    assert seen == ["286.1 MiB"]
    assert query(warehouse_path, "select count(*) from raw.orders") == [(1,)]


@pytest.mark.parametrize("export", ["orders"])
def test_unreachable_bucket_fails_clearly(export, s3_endpoint, warehouse_path, monkeypatch):
    monkeypatch.setenv("SELLER_EXPORTS_BUCKET", "no-such-bucket-here")
    with pytest.raises(Exception, match="NoSuchBucket|does not exist"):
        ingest(export, path=warehouse_path)


def test_rows_spooled_in_several_moves_all_arrive_once(bucket, warehouse_path, monkeypatch):
    # Checked rows reach DuckDB through Parquet files, moved in once SPOOL_ROWS are waiting: with
    # a limit of 3 rows, 3 files of 2 rows (one batch each) make two moves, the second at the end.
    import pipelines.defs.ingest.loader as loader

    monkeypatch.setattr(loader, "BATCH_FILES", 1)
    monkeypatch.setattr(loader, "SPOOL_ROWS", 3)
    moves = []
    flush = loader._Spool.flush

    def counted(spool):
        moves.append(len(spool.files))
        flush(spool)

    monkeypatch.setattr(loader._Spool, "flush", counted)
    for day in (4, 5, 6):
        bucket.put(
            key(dt=f"2026-03-0{day}"), orders_file(order_row(f"11{day}-1"), order_row(f"11{day}-2", sku="SKU-2"))
        )
    summary = ingest(first=date(2026, 3, 4), last=date(2026, 3, 6), path=warehouse_path)
    assert (summary.files, summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (3, 6, 6, 0)
    rows = query(warehouse_path, "select amazon_order_id, sku, dt, _line_number from raw.orders order by 1")
    assert rows == [(f"11{day}-{n}", f"SKU-{n}", date(2026, 3, day), n + 1) for day in (4, 5, 6) for n in (1, 2)]
    # two files moved once 4 rows waited, then the last file at the end (then an empty call)
    assert [n for n in moves if n] == [2, 1]
    # nothing is left beside the warehouse
    assert [p.name for p in warehouse_path.parent.iterdir() if ".spool-" in p.name] == []


def test_a_load_that_fails_after_a_move_changes_nothing_and_leaves_nothing(bucket, warehouse_path, monkeypatch):
    import pipelines.defs.ingest.loader as loader

    bucket.put(key(dt="2026-03-03"), orders_file(order_row("113-1")))
    ingest(first=date(2026, 3, 3), last=date(2026, 3, 3), path=warehouse_path)
    monkeypatch.setattr(loader, "BATCH_FILES", 1)
    monkeypatch.setattr(loader, "SPOOL_ROWS", 1)  # every batch moves into the loading table
    for day in (4, 5):
        bucket.put(key(dt=f"2026-03-0{day}"), orders_file(order_row(f"11{day}-1")))
    add, calls = loader._Spool.add, []

    def failing_second(spool, frame):
        calls.append(frame.height)
        if len(calls) == 2:
            raise OSError("No space left on device (injected)")
        add(spool, frame)

    monkeypatch.setattr(loader._Spool, "add", failing_second)
    with Warehouse(path=str(warehouse_path)).connect() as con, pytest.raises(OSError, match="injected"):
        ingest_export("orders", date(2026, 3, 3), date(2026, 3, 5), S3Exports(), con)
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("113-1",)]
    assert query(warehouse_path, "select count(*) from raw.ingested_files") == [(1,)]
    assert [p.name for p in warehouse_path.parent.iterdir() if ".spool-" in p.name] == []


def test_a_failure_inside_the_final_transaction_is_the_error_raised(bucket, warehouse_path, monkeypatch):
    # After a failed statement DuckDB refuses everything but a rollback: the loader's own setting
    # must not be restored inside the transaction, or its refusal would replace the real error.
    import pipelines.defs.ingest.loader as loader

    bucket.put(key(dt="2026-03-03"), orders_file(order_row("113-1")))
    ingest(first=date(2026, 3, 3), last=date(2026, 3, 3), path=warehouse_path)
    bucket.put(key(dt="2026-03-04"), orders_file(order_row("114-1")))

    def failing(con, *args):
        # the range's insert into raw.orders (under the loader's setting) then breaks a constraint
        con.execute("alter table raw.orders alter column sku set not null")
        con.execute("update raw._loading_orders set sku = null")

    monkeypatch.setattr(loader, "_record_restatement", failing)
    with Warehouse(path=str(warehouse_path)).connect() as con:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL constraint failed"):
            ingest_export("orders", date(2026, 3, 4), date(2026, 3, 4), S3Exports(), con)
        assert con.execute("select current_setting('preserve_insertion_order')").fetchone() == (True,)
        assert con.execute("select amazon_order_id from raw.orders").fetchall() == [("113-1",)]


def test_a_killed_loads_spool_is_removed_a_living_ones_kept(bucket, warehouse_path):
    import fcntl
    import os

    bucket.put(key(), orders_file(order_row("111-1")))
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{warehouse_path.name}.spool-orders-"
    killed = warehouse_path.parent / f"{prefix}killed"
    living = warehouse_path.parent / f"{prefix}living"
    other = warehouse_path.parent / ".orders-1234.duckdb.tmp.spool-mfn_shipments-killed"
    for folder in (killed, living, other):
        folder.mkdir()
        (folder / ".lock").touch()
        (folder / "000000.parquet").write_bytes(b"left behind")
    # killed between making its folder and its lock: no lock file, two minutes old; and one made
    # this instant, whose load is about to lock it
    unlocked_old, unlocked_new = warehouse_path.parent / f"{prefix}nolock", warehouse_path.parent / f"{prefix}new"
    for folder in (unlocked_old, unlocked_new):
        folder.mkdir()
    os.utime(unlocked_old, (time.time() - 120, time.time() - 120))
    held = os.open(living / ".lock", os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)  # as a load still running holds it
    try:
        ingest(path=warehouse_path)
    finally:
        os.close(held)
    assert not killed.exists()
    assert not other.exists()  # another export's (or another warehouse's) dead spool goes too
    assert (living / "000000.parquet").exists()
    assert not unlocked_old.exists()
    assert unlocked_new.exists()
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("111-1",)]


def test_a_file_uploaded_again_between_listing_and_download_notes_a_restatement(bucket, warehouse_path, monkeypatch):
    # The listing sees the ETag loaded last time; the download gets the new upload's bytes. Rows of
    # the old upload leave the raw table, which the incremental models can only learn from a
    # restatement (the next run rebuilds them in full).
    the_key = key()
    bucket.put(the_key, orders_file(order_row("111-1")))
    ingest(path=warehouse_path)
    original = S3Exports.get
    uploaded = []

    def uploaded_again_first(self, client, k):
        if not uploaded:
            uploaded.append(bucket.client.put_object(Bucket=bucket.name, Key=k, Body=orders_file(order_row("111-2"))))
        return original(self, client, k)

    monkeypatch.setattr(S3Exports, "get", uploaded_again_first)
    ingest(path=warehouse_path)
    assert query(warehouse_path, "select amazon_order_id from raw.orders") == [("111-2",)]
    new_etag = bucket.client.head_object(Bucket=bucket.name, Key=the_key)["ETag"].strip('"')
    assert query(warehouse_path, "select etag from raw.ingested_files") == [(new_etag,)]
    assert query(
        warehouse_path,
        "select export, first_day, last_day, files_changed, files_removed, example_key, rebuilt_at "
        "from raw.restatements",
    ) == [("orders", date(2026, 3, 4), date(2026, 3, 4), 1, 0, the_key, None)]
