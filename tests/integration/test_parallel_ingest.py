"""Ingestion spread over processes (`sellerhealth ingest --workers N`) loads the same raw rows as one process.

Two exports of generated files (2 sellers x US and DE, ten days) are in a real moto_server bucket, one
orders row broken on purpose. One process loads them with the loader `sellerhealth run` uses; then
`sellerhealth ingest` loads them with one worker process per export into another warehouse. Every
row of the raw tables, the per-file audit and the rejected rows must be equal (run-time columns
aside), and rows read = loaded + rejected with the counts worked out from the files put in the
bucket. Then a worker is killed with SIGKILL in the middle of its load: its export stays as it was
(nothing of it visible), the other export is loaded, and re-running the step gives the same rows.
"""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.defs.ingest.loader import ingest_export
from pipelines.lib.raw_parquet import write_raw_days
from pipelines.resources import S3Exports, run_lock
from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO
from tests.robustness.test_faults import alive

START, END = date(2026, 1, 1), date(2026, 1, 10)
EXPORTS = ("orders", "mfn_shipments")
SELLERHEALTH = str(Path(sys.executable).parent / "sellerhealth")
RUN_TIME_COLUMNS = {"_loaded_at", "loaded_at"}
BROKEN_DATE = "not-a-date"


@pytest.fixture
def exports(bucket) -> dict[str, int]:
    """Two exports in the bucket, one orders row with a broken purchase-date; data lines per export, orders files."""
    files = [f for f in generate_exports(START, END, sellers=2, orders_per_day=10) if f.key.split("/")[0] in EXPORTS]
    first_orders = next(
        i
        for i, f in enumerate(files)
        if f.key.startswith("orders/") and f.key.endswith(".tsv") and f.body.count(b"\n") > 1
    )
    header, row, rest = files[first_orders].body.decode().split("\n", 2)
    cells = row.split("\t")
    cells[header.split("\t").index("purchase-date")] = BROKEN_DATE
    files[first_orders] = type(files[first_orders])(
        files[first_orders].key, "\n".join([header, "\t".join(cells), rest]).encode()
    )
    upload(files, bucket.client, bucket.name)
    lines = dict.fromkeys(EXPORTS, 0)
    for f in files:
        lines[f.key.split("/")[0]] += sum(1 for line in _text(f).split("\n")[1:] if line.strip())
    lines["orders_files"] = sum(1 for f in files if f.key.startswith("orders/"))
    return lines


def _text(f) -> str:
    body = gzip.decompress(f.body) if f.key.endswith(".gz") else f.body
    return body.decode("utf-8", errors="replace")


def _env(warehouse: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "WAREHOUSE_PATH": str(warehouse), "SELLERHEALTH_ENGINE": "duckdb", **extra}


def _ingest(warehouse: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    command = [SELLERHEALTH, "ingest", "--start", START.isoformat(), "--end", END.isoformat(), *args]
    return subprocess.run(command, cwd=REPO, env=_env(warehouse, **env), capture_output=True, text=True, timeout=600)


def _one_process(warehouse: Path, raw_layer: Path | None = None) -> None:
    """The loader `sellerhealth run` uses, every export in this process; the Spark raw layer too if asked."""
    warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse)) as con:
        for export in EXPORTS:
            ingest_export(export, START, END, S3Exports(), con)
            if raw_layer is not None:
                write_raw_days(con, export, START, END, raw_layer)


def _parquet_rows(root: Path, export: str) -> list[tuple]:
    """Every row of the Parquet raw layer of `export` (partition columns included), run-time columns left out."""
    pattern = str(root / export / "**" / "*.parquet")
    with duckdb.connect() as con:
        rel = con.sql(f"select * from read_parquet('{pattern}', hive_partitioning = true)")
        columns = [c for c in rel.columns if c not in RUN_TIME_COLUMNS]
        rows = con.sql(f"select {', '.join(columns)} from read_parquet('{pattern}', hive_partitioning = true)")
        return sorted(rows.fetchall(), key=repr)


def _rows(warehouse: Path, table: str, where: str = "") -> list[tuple]:
    """Every row of raw.<table>, sorted, run-time columns left out (duplicates count)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ? "
                "order by column_index",
                [table],
            ).fetchall()
            if c not in RUN_TIME_COLUMNS
        ]
        rows = con.execute(f"select {', '.join(columns)} from raw.{table} {where}").fetchall()
    return sorted(rows, key=repr)


def _counts(warehouse: Path, export: str) -> tuple[int, int, int, int]:
    """(rows read, loaded, rejected) from the per-file audit, and the rows the raw table holds."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        read, loaded, rejected = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw.ingested_files where export = ?",
            [export],
        ).fetchone()
        (held,) = con.execute(f"select count(*) from raw.{export}").fetchone()
    return int(read or 0), int(loaded or 0), int(rejected or 0), int(held)


def _same_raw_rows(a: Path, b: Path, exports=EXPORTS) -> None:
    for export in exports:
        rows = _rows(a, export)
        assert rows, export
        assert _rows(b, export) == rows, f"raw.{export} differs"
        for audit in ("ingested_files", "rejected_rows"):
            where = f"where export = '{export}'"
            assert _rows(b, audit, where) == _rows(a, audit, where), f"raw.{audit} of {export} differs"


def test_parallel_workers_load_the_same_rows_as_one_process(exports, tmp_path):
    one, parallel = tmp_path / "one" / "w.duckdb", tmp_path / "parallel" / "w.duckdb"
    _one_process(one, raw_layer=tmp_path / "one-raw")
    # the Spark engine: the merged rows are also written as the Parquet raw layer Spark reads
    spark = {"SELLERHEALTH_ENGINE": "spark", "SELLERHEALTH_RAW_PATH": str(tmp_path / "parallel-raw")}
    done = _ingest(parallel, "--workers", "2", *[a for e in EXPORTS for a in ("--export", e)], **spark)
    assert done.returncode == 0, done.stderr
    _same_raw_rows(one, parallel)
    for export in EXPORTS:
        parquet = _parquet_rows(tmp_path / "parallel-raw", export)
        assert len(parquet) == _counts(one, export)[3]
        assert parquet == _parquet_rows(tmp_path / "one-raw", export), f"Parquet raw layer of {export} differs"
    # rows read = loaded + rejected, from the files put in the bucket: one broken orders row
    assert _counts(parallel, "orders") == (exports["orders"], exports["orders"] - 1, 1, exports["orders"] - 1)
    n = exports["mfn_shipments"]
    assert _counts(parallel, "mfn_shipments") == (n, n, 0, n)
    read = exports["orders"]
    line = f"orders: {exports['orders_files']} files, {read:,} rows read = {read - 1:,} loaded + 1 rejected"
    assert line in done.stdout
    (rejected,) = _rows(parallel, "rejected_rows")
    assert rejected[rejected_column(parallel, "failure_value")] == BROKEN_DATE
    assert not list((parallel.parent / "ingest-stage").iterdir()), "staged files are removed once merged"


def rejected_column(warehouse: Path, name: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = 'rejected_rows' "
                "order by column_index"
            ).fetchall()
            if c not in RUN_TIME_COLUMNS
        ]
    return columns.index(name)


def test_a_killed_worker_leaves_its_export_untouched_and_its_step_reruns_cleanly(exports, tmp_path):
    one, parallel = tmp_path / "one" / "w.duckdb", tmp_path / "parallel" / "w.duckdb"
    _one_process(one)
    stage = parallel.parent / "ingest-stage"
    command = [SELLERHEALTH, "ingest", "--start", START.isoformat(), "--end", END.isoformat(), "--workers", "2"]
    command += [a for e in EXPORTS for a in ("--export", e)]
    run = subprocess.Popen(
        command, cwd=REPO, env=_env(parallel), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # the orders worker's file is `.orders-<pid>.duckdb.tmp` while it loads: kill that process then
    deadline, worker = time.monotonic() + 300, None
    while worker is None and time.monotonic() < deadline and run.poll() is None:
        for path in stage.glob(".orders-*.duckdb.tmp") if stage.exists() else []:
            worker = int(re.match(r"\.orders-(\d+)\.", path.name).group(1))
        time.sleep(0.05)
    assert worker is not None, "the orders worker never started loading"
    os.kill(worker, signal.SIGKILL)
    stdout, stderr = run.communicate(timeout=600)
    assert run.returncode == 1, stdout + stderr
    assert "the worker of orders failed" in stderr
    # nothing of orders is visible, not even part of it; mfn_shipments, in its own process, is loaded
    assert _counts(parallel, "orders") == (0, 0, 0, 0)
    assert not (stage / "orders.duckdb").exists()
    _same_raw_rows(one, parallel, exports=("mfn_shipments",))

    again = _ingest(parallel, "--export", "orders")
    assert again.returncode == 0, again.stderr
    _same_raw_rows(one, parallel)
    assert _counts(parallel, "orders") == (exports["orders"], exports["orders"] - 1, 1, exports["orders"] - 1)
    assert not list(stage.glob(".orders-*")), "the re-run replaced the killed worker's leftover"


def test_ingest_never_runs_beside_a_run_on_the_same_warehouse(bucket, tmp_path):
    warehouse = tmp_path / "w" / "w.duckdb"
    with run_lock(warehouse):  # what a `sellerhealth run` holds from its start to its end
        done = _ingest(warehouse, "--export", "orders")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "another run holds" in done.stderr
    assert not (warehouse.parent / "ingest-stage").exists(), "no worker started"
    assert not warehouse.exists()


def test_a_range_whose_files_were_all_removed_merges_to_nothing_and_notes_a_restatement(bucket, tmp_path):
    # The worker of a range with no file left stages no row and no file record; the merge still
    # replaces the range (its rows go) and notes the removed file for the next run's full rebuild.
    from pipelines.parallel_ingest import merge_staged, stage_export
    from tests.integration.test_ingest import key, order_row, orders_file

    day = date(2026, 3, 4)
    the_key = bucket.put(key(), orders_file(order_row("111-1"), order_row("111-2")))
    warehouse, stage = tmp_path / "w.duckdb", tmp_path / "ingest-stage"

    def load():
        staged = stage_export("orders", day, day, stage)
        with duckdb.connect(str(warehouse)) as con:
            return merge_staged(con, "orders", day, day, staged)

    first = load()
    assert (first.files, first.rows_read, first.rows_loaded, first.rows_rejected) == (1, 2, 2, 0)
    bucket.delete(key())
    again = load()
    assert (again.files, again.rows_read, again.rows_loaded, again.rows_rejected) == (0, 0, 0, 0)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.orders").fetchone() == (0,)
        assert con.execute(
            "select first_day, last_day, files_changed, files_removed, example_key, restated_at is not null "
            "from raw.restatements"
        ).fetchall() == [(day, day, 0, 1, the_key, True)]


def test_a_worker_dies_with_the_command_that_started_it(bucket, tmp_path):
    # An endpoint that accepts connections and never answers: the worker waits in its listing.
    # The command is then killed with SIGKILL (the OOM killer, `kill -9`): its worker must not
    # keep running, or a rerun would find it still writing into the staging folder.
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
    warehouse = tmp_path / "w" / "w.duckdb"
    stage = warehouse.parent / "ingest-stage"
    command = [SELLERHEALTH, "ingest", "--start", START.isoformat(), "--end", END.isoformat(), "--export", "orders"]
    run = subprocess.Popen(
        command,
        cwd=REPO,
        env=_env(warehouse, AWS_ENDPOINT_URL=endpoint),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        deadline = time.monotonic() + 120
        while worker is None and time.monotonic() < deadline and run.poll() is None:
            for path in stage.glob(".orders-*.duckdb.tmp") if stage.exists() else []:
                worker = int(re.match(r"\.orders-(\d+)\.", path.name).group(1))
            time.sleep(0.05)
        assert worker is not None, "the worker never started"
        run.kill()
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker), "the worker outlived the command that started it"
    finally:
        run.kill()
        if worker is not None and alive(worker):
            os.kill(worker, signal.SIGKILL)
        silent.close()
