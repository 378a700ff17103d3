"""The dbt command of a run, row by row: engine, full-refresh tag, reason, terminal (defs/transform/invocation.py)."""

from __future__ import annotations

import json

import pytest

from pipelines.defs.transform.invocation import dbt_invocation

BUILD = ("build", "--exclude", "resource_type:unit_test")
PLAIN = ("--no-use-colors",)
RESTATED = "2 load(s) replaced files loaded before (first: orders, k)"
TAGGED = "the run is tagged sellerhealth/full_refresh"
SPARK_VARS = {"spark_raw_layer": {"orders": {"location": "/data/raw/orders"}}}

CASES = [
    # id, engine, tags, reason, tty, expected args, expected reason
    ("nightly, nothing to rebuild", "duckdb", {}, None, False, PLAIN + BUILD, None),
    ("on a terminal: dbt's colours kept", "duckdb", {}, None, True, BUILD, None),
    ("files restated", "duckdb", {}, RESTATED, False, PLAIN + BUILD + ("--full-refresh",), RESTATED),
    (
        "--full-refresh asked for",
        "duckdb",
        {"sellerhealth/full_refresh": "true"},
        None,
        False,
        PLAIN + BUILD + ("--full-refresh",),
        TAGGED,
    ),
    (
        "the tag wins over another reason",
        "duckdb",
        {"sellerhealth/full_refresh": "true"},
        RESTATED,
        False,
        PLAIN + BUILD + ("--full-refresh",),
        TAGGED,
    ),
    (
        "a tag of another value is no request",
        "duckdb",
        {"sellerhealth/full_refresh": "false"},
        None,
        False,
        PLAIN + BUILD,
        None,
    ),
    (
        "Spark: its target and raw layer, never --full-refresh",
        "spark",
        {},
        None,
        False,
        PLAIN + BUILD + ("--target", "spark", "--vars", json.dumps(SPARK_VARS)),
        "the Spark engine rebuilds every model",
    ),
    (
        "Spark, tagged: still no --full-refresh (every model is a table)",
        "spark",
        {"sellerhealth/full_refresh": "true"},
        None,
        False,
        PLAIN + BUILD + ("--target", "spark", "--vars", json.dumps(SPARK_VARS)),
        TAGGED,
    ),
]


@pytest.mark.parametrize(
    ("engine", "tags", "reason", "tty", "args", "why"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_dbt_arguments(engine, tags, reason, tty, args, why):
    invocation = dbt_invocation(
        engine=engine,
        tags=tags,
        full_build_reason=reason,
        tty=tty,
        raw_layer_vars=SPARK_VARS if engine == "spark" else None,
    )
    assert invocation.args == args
    assert invocation.full_build_reason == why


# ---------- what SELLERHEALTH_DBT_THREADS=auto looks at (pipelines/defs/transform/assets.py)


def test_a_first_build_is_told_apart_by_the_incremental_tables_it_lacks(tmp_path):
    import duckdb

    from pipelines.defs.transform.assets import dbt_project, incremental_models, tables_not_built_yet

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        # the project's eight incremental models (macros/incremental.sql), none built yet
        models = incremental_models(dbt_project.manifest_path)
        missing = tables_not_built_yet(con, models)
        assert len(missing) == 8 and "staging.stg_orders__order_items" in missing
        con.execute("create schema staging")
        con.execute("create table staging.stg_orders__order_items (x integer)")
        assert tables_not_built_yet(con, models) == sorted(set(missing) - {"staging.stg_orders__order_items"})


def test_the_size_of_a_build_counts_the_exports_rows_not_the_bookkeeping(tmp_path):
    import duckdb

    from pipelines.defs.transform.assets import ONE_THREAD_FROM_ROWS, raw_rows

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert raw_rows(con) == 0
        con.execute("create schema raw")
        con.execute("create table raw.orders as select range as x from range(600000)")
        con.execute("create table raw.mfn_shipments as select range as x from range(400000)")
        # the loader's bookkeeping is not data dbt builds from
        con.execute("create table raw.ingested_files as select range as x from range(2000000)")
        assert raw_rows(con) == 1_000_000 == ONE_THREAD_FROM_ROWS
