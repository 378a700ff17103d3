"""Incremental builds: night after night gives the same warehouse as one run over every day.

The per-order models (macros/incremental.sql) rebuild only the orders that newly loaded rows
touch. The generator's later days rewrite earlier records (orders shipped, claims closed,
shipments delivered, messages answered), so a night that missed a touched order, or kept a stale
row, leaves tables that differ from a fresh full build. Removing or changing a file already
loaded takes rows away, which an incremental build cannot see: the run must rebuild in full.

Runs go through the installed `sellerhealth` command, each its own process, on a real
moto_server and real DuckDB files.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.lib.layout import parse_key
from pipelines.synthetic import generate_exports, upload

BIN = Path(sys.executable).parent
FIRST, LAST = date(2026, 2, 1), date(2026, 3, 2)  # 30 days
FULL_BUILD = "rebuilding every model in full"

# Compared whole, leaving out when rows were loaded or built (they differ between two warehouses).
TABLES = {
    "marts.seller_metrics_daily": (),
    "marts.fct_orders": (),
    "marts.metric_outlook": (),
    "intermediate.int_metric_outlook_values": ("_loaded_through",),
    "intermediate.int_order_events": ("_loaded_through",),
    "intermediate.int_orders": ("_loaded_through",),
    "intermediate.int_mfn_shipment_events": ("_loaded_through",),
    "staging.stg_orders__order_items": ("_loaded_at", "_loaded_through"),
    "staging.stg_mfn_shipments__shipments": ("_loaded_at", "_loaded_through"),
    "staging.stg_buyer_messages__messages": ("_loaded_at", "_loaded_through"),
    "intermediate.int_buyer_message_responses": ("_loaded_through",),
}


def day(n: int) -> date:
    return FIRST + timedelta(days=n - 1)


def run(warehouse: Path, first: date, last: date, *extra: str) -> str:
    env = dict(os.environ, WAREHOUSE_PATH=str(warehouse), SELLER_EXPORTS_BUCKET="sellerhealth-incremental")
    env.pop("DAGSTER_HOME", None)
    env.pop("SELLERHEALTH_DBT_THREADS", None)  # the default, auto, whose choices the tests check
    result = subprocess.run(
        [str(BIN / "sellerhealth"), "run", "--start", first.isoformat(), "--end", last.isoformat(), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Per table: rows only in a, rows only in b (multiset difference), on the compared columns."""
    out = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        for table, skipped in TABLES.items():
            schema, name = table.split(".")
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'a' "
                    "and schema_name = ? and table_name = ? order by column_index",
                    [schema, name],
                ).fetchall()
                if c not in skipped
            ]
            assert columns, table
            cols = ", ".join(columns)
            (only_a,) = con.execute(
                f"select count(*) from (select {cols} from a.{table} except all select {cols} from b.{table})"
            ).fetchone()
            (only_b,) = con.execute(
                f"select count(*) from (select {cols} from b.{table} except all select {cols} from a.{table})"
            ).fetchone()
            if only_a or only_b:
                out[table] = (only_a, only_b)
    return out


@pytest.fixture(scope="module")
def exports(s3_endpoint):
    client = boto3.client("s3")
    client.create_bucket(Bucket="sellerhealth-incremental")
    files = list(generate_exports(FIRST, LAST, sellers=1, orders_per_day=40, seed=23))
    upload(iter(files), client, "sellerhealth-incremental")
    return client, {f.key: f.body for f in files}


@pytest.fixture(scope="module")
def nightly(exports, tmp_path_factory):
    """Days 1-25 in one run, then day 26, day 27 and days 28-30 as the schedule would load them."""
    warehouse = tmp_path_factory.mktemp("nightly") / "seller_health.duckdb"
    logs = [run(warehouse, day(1), day(25))]
    logs += [run(warehouse, day(26), day(26)), run(warehouse, day(27), day(27)), run(warehouse, day(28), day(30))]
    return warehouse, logs


def test_nights_rebuild_only_what_changed_and_equal_one_run_over_every_day(nightly, tmp_path):
    warehouse, logs = nightly
    # the nights were incremental: no full rebuild after the first run
    assert not any(FULL_BUILD in log for log in logs[1:])
    # SELLERHEALTH_DBT_THREADS=auto: two threads for the nights, and for a first build this small
    # (25 days of 40 orders: far under the million raw rows from which a full build takes one)
    assert "dbt builds 2 model(s) at once: the first build of 8 incremental model(s) over " in logs[0]
    assert all("dbt builds 2 model(s) at once: an incremental build over " in log for log in logs[1:])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # the generator rewrites older orders on later days: the nights had old orders to rebuild
        (rewritten,) = con.execute(
            "select count(distinct amazon_order_id) from raw.orders where dt >= ? and cast(purchase_date as date) < ?",
            [day(26), day(26) - timedelta(days=1)],
        ).fetchone()
        (rows,) = con.execute("select count(*) from marts.seller_metrics_daily").fetchone()
    assert rewritten > 0 and rows > 0
    once = tmp_path / "once.duckdb"
    run(once, day(1), day(30))
    assert differences(warehouse, once) == {}


def _data_key(files: dict[str, bytes], export: str, dt: date) -> str:
    """A key of `export` on `dt` whose file has at least one data row."""
    for key, body in sorted(files.items()):
        parsed = parse_key(key)
        text = gzip.decompress(body) if key.endswith(".gz") else body
        if parsed.export == export and parsed.dt == dt and text.count(b"\n") >= 2:
            return key
    raise AssertionError(f"no {export} file with rows on {dt}")


def test_a_removed_or_changed_file_makes_the_next_run_rebuild_in_full(exports, nightly, tmp_path):
    client, files = exports
    warehouse, _ = nightly
    # a feedback file of day 27 disappears; an orders file of day 26 loses its last row
    removed = _data_key(files, "feedback", day(27))
    client.delete_object(Bucket="sellerhealth-incremental", Key=removed)
    changed = _data_key(files, "orders", day(26))
    body = files[changed]
    text = gzip.decompress(body) if changed.endswith(".gz") else body
    shorter = b"\n".join(text.rstrip(b"\n").split(b"\n")[:-1]) + b"\n"
    body = gzip.compress(shorter) if changed.endswith(".gz") else shorter
    client.put_object(Bucket="sellerhealth-incremental", Key=changed, Body=body)

    log = run(warehouse, day(26), day(27))
    assert FULL_BUILD in log
    assert "dbt builds 2 model(s) at once: a full build (--full-refresh) over " in log
    with duckdb.connect(str(warehouse), read_only=True) as con:
        restated = con.execute(
            "select export, files_changed, files_removed, rebuilt_at is not null from raw.restatements order by export"
        ).fetchall()
    assert restated == [("feedback", 0, 1, True), ("orders", 1, 0, True)]
    # the rebuild is done: the next night is incremental again
    assert FULL_BUILD not in run(warehouse, day(27), day(27))

    once = tmp_path / "once.duckdb"
    run(once, day(1), day(30))
    assert differences(warehouse, once) == {}
