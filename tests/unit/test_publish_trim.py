"""What the published copy keeps of dbt's schemas (pipelines/defs/publish/assets.py, docs/bi.md)."""

import duckdb
import pytest

from pipelines.defs.publish.assets import keep_only_what_readers_use


@pytest.fixture
def copy(tmp_path):
    con = duckdb.connect(str(tmp_path / "copy.duckdb"))
    for schema in ("staging", "intermediate", "marts", "raw"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.orders as select range as id from range(5)")
    con.execute("create view staging.stg_orders as select * from raw.orders")
    # read by a view; a table whose name starts with it; one nobody reads
    con.execute("create table intermediate.int_order as select range as id from range(3)")
    con.execute("create table intermediate.int_orders as select range as id from range(4)")
    con.execute("create table intermediate.int_metric_x as select 1 as v")
    con.execute("create table marts.seller_metrics_daily as select * from intermediate.int_metric_x")
    con.execute("create view marts.fct_orders as select id, id > 0 as flag from intermediate.int_order")
    con.execute("comment on view marts.fct_orders is 'One row per order.'")
    yield con
    con.close()


def names(con, schema):
    return {
        n
        for (n,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? "
            "union all select view_name from duckdb_views() where schema_name = ? and not internal",
            [schema, schema],
        ).fetchall()
    }


def test_the_copy_keeps_the_views_and_only_the_tables_they_read(copy):
    keep_only_what_readers_use(copy)
    schemas = {n for (n,) in copy.execute("select schema_name from information_schema.schemata").fetchall()}
    assert "staging" not in schemas
    assert names(copy, "intermediate") == {"int_order"}  # not int_orders, whose name only starts alike
    assert names(copy, "marts") == {"seller_metrics_daily", "fct_orders"}
    (comment,) = copy.execute(
        "select comment from duckdb_tables() where schema_name = 'intermediate' and table_name = 'int_order'"
    ).fetchone()
    assert comment == "Internal: a step of the build that marts.fct_orders reads; query it instead."
    # the view still answers, with its own rows: ids 0, 1, 2, two of them flagged
    assert copy.execute("select count(*), count(*) filter (where flag) from marts.fct_orders").fetchone() == (3, 2)
    assert copy.execute("select count(*) from raw.orders").fetchone() == (5,)


def test_without_views_the_intermediate_schema_goes(copy):
    copy.execute("drop view marts.fct_orders")
    keep_only_what_readers_use(copy)
    schemas = {n for (n,) in copy.execute("select schema_name from information_schema.schemata").fetchall()}
    assert not schemas & {"staging", "intermediate"}
    assert names(copy, "marts") == {"seller_metrics_daily"}
