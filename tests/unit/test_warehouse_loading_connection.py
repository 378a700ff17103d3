"""A run's loads share one connection to the warehouse, and the file is free whenever anything else needs it.

Another process (dbt's, a reader's) can open a DuckDB file only when no connection of the run is
open, and sees only what was written to it; a connection of the run with another memory limit
cannot open beside the loads' one. Each case is checked with a real file and a real second process.
"""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from pipelines.resources import Warehouse


def _rows_seen_by_another_process(path) -> int:
    """The rows of t as another process sees them; fails if the file is still held."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import duckdb; print(duckdb.connect({str(path)!r}).sql('select count(*) from t').fetchone()[0])",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout)


@pytest.fixture
def in_run(warehouse_path):
    warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create table t (x integer)")
    with Warehouse().yield_for_execution(dg.build_init_resource_context()) as warehouse:
        yield warehouse


def test_the_loads_of_a_run_share_one_connection_released_for_another_process(in_run, warehouse_path):
    with in_run.connect(loading=True) as first:
        first.execute("insert into t values (1)")
    with in_run.connect(loading=True) as second:
        assert second is first  # not opened again
        second.execute("insert into t values (2)")
    in_run.release()  # as the dbt step does before dbt's process starts
    assert _rows_seen_by_another_process(warehouse_path) == 2


def test_a_connection_with_another_memory_limit_closes_the_loads_one_first(in_run):
    with in_run.connect(loading=True) as loads:
        loads.execute("insert into t values (1)")
    with in_run.connect() as con:  # the run's 2 GB limit beside the loads' 512 MB: DuckDB refuses both open
        assert con.execute("select count(*) from t").fetchone() == (1,)
    with in_run.connect(loading=True) as again:
        assert again is not loads


def test_a_failed_load_closes_the_shared_connection_and_keeps_what_was_committed(in_run, warehouse_path):
    with in_run.connect(loading=True) as con:
        con.execute("insert into t values (1)")
    with pytest.raises(RuntimeError), in_run.connect(loading=True) as con:
        con.execute("begin")
        con.execute("insert into t values (2)")
        raise RuntimeError("the load failed mid-transaction")
    assert _rows_seen_by_another_process(warehouse_path) == 1


def test_the_end_of_the_run_frees_the_file(warehouse_path):
    warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("create table t (x integer)")
    with Warehouse().yield_for_execution(dg.build_init_resource_context()) as warehouse:
        with warehouse.connect(loading=True) as con:
            con.execute("insert into t values (1)")
    assert _rows_seen_by_another_process(warehouse_path) == 1


def test_outside_a_run_a_load_closes_its_connection(warehouse_path):
    warehouse_path.parent.mkdir(parents=True)
    with Warehouse().connect(loading=True) as con:  # `sellerhealth ingest`'s merge, a script
        con.execute("create table t as select 1 as x")
    assert _rows_seen_by_another_process(warehouse_path) == 1
