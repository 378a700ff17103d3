"""The engine setting, the Java check and the Parquet raw layer the Spark engine reads (no Spark needed)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.lib import engine
from pipelines.lib.raw_parquet import raw_layer_vars, spark_columns, write_raw_days
from pipelines.lib.spark_cluster import SparkClusterError, standalone_cluster
from pipelines.lib.warehouse import ensure_raw_tables


def test_an_unknown_engine_stops_the_run_naming_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("SELLERHEALTH_ENGINE", "snowflake")
    code = cli.main(["run", "--start", "2026-01-01", "--end", "2026-01-02"])
    assert code == 2
    assert "SELLERHEALTH_ENGINE='snowflake'" in capsys.readouterr().err


def test_duckdb_is_the_default_engine(monkeypatch):
    monkeypatch.delenv("SELLERHEALTH_ENGINE", raising=False)
    assert engine.engine() == "duckdb"
    monkeypatch.setenv("SELLERHEALTH_ENGINE", " Spark ")
    assert engine.is_spark()


def test_spark_paths_default_beside_the_warehouse(monkeypatch, tmp_path):
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "w" / "seller_health.duckdb"))
    monkeypatch.delenv("SELLERHEALTH_SPARK_DIR", raising=False)
    monkeypatch.delenv("SELLERHEALTH_RAW_PATH", raising=False)
    monkeypatch.delenv("SPARK_MASTER_URL", raising=False)
    assert engine.spark_dir() == (tmp_path / "w" / "spark").resolve()
    assert engine.raw_path() == (tmp_path / "w" / "spark" / "raw").resolve()
    assert engine.master_url() == "local[*]"


def test_without_java_the_cluster_says_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(SparkClusterError, match="needs Java 17"):
        with standalone_cluster(tmp_path / "cluster"):
            pass
    # nothing was started: no log folder
    assert not (tmp_path / "cluster").exists()


def _insert_orders(con, rows: list[tuple[str, str, str, str]]) -> None:
    """rows: (seller_id, marketplace_id, dt, amazon_order_id)."""
    for seller, market, dt, order in rows:
        con.execute(
            "insert into raw.orders (seller_id, marketplace_id, dt, _source_key, _etag, _line_number, _loaded_at, "
            "amazon_order_id) values (?, ?, ?, 'k', 'e', 2, ?, ?)",
            [seller, market, date.fromisoformat(dt), datetime(2026, 1, 5), order],
        )


def _parquet_rows(root: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            f"select seller_id, marketplace_id, cast(dt as date), amazon_order_id "
            f"from read_parquet('{root}/orders/*/*/*/*.parquet', hive_partitioning = true) order by all"
        ).fetchall()


def test_a_run_replaces_exactly_its_days_in_the_parquet_raw_layer(tmp_path):
    root = tmp_path / "raw"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_tables(con)
        _insert_orders(
            con, [("S1", "M1", "2026-01-01", "o1"), ("S1", "M1", "2026-01-02", "o2"), ("S2", "M1", "2026-01-02", "o3")]
        )
        assert write_raw_days(con, "orders", date(2026, 1, 1), date(2026, 1, 2), root) == 3
        assert len(_parquet_rows(root)) == 3
        # the files of Jan 2 are replaced in the bucket: S1 now has o4 there, S2 nothing; Jan 1 is not run again
        con.execute("delete from raw.orders where dt = '2026-01-02'")
        _insert_orders(con, [("S1", "M1", "2026-01-02", "o4")])
        assert write_raw_days(con, "orders", date(2026, 1, 2), date(2026, 1, 2), root) == 1
    d1, d2 = date(2026, 1, 1), date(2026, 1, 2)
    assert _parquet_rows(root) == [("S1", "M1", d1, "o1"), ("S1", "M1", d2, "o4")]
    assert not (root / "orders" / "seller_id=S2" / "marketplace_id=M1" / "dt=2026-01-02").exists()
    # no staging or trash folder is left behind
    assert sorted(p.name for p in root.iterdir()) == ["orders"]


def test_the_spark_raw_tables_have_the_contract_columns_with_partitions_last():
    columns = spark_columns("orders")
    assert [name for name, _ in columns[-3:]] == ["seller_id", "marketplace_id", "dt"]
    types = dict(columns)
    assert types["dt"] == "date" and types["purchase_date"] == "timestamp" and types["_line_number"] == "int"
    layer = raw_layer_vars(Path("/data/raw"))["spark_raw_layer"]["tables"]
    assert layer["orders"]["location"] == "/data/raw/orders"
    assert layer["ingested_files"]["partitioned_by"] == ""
    assert "`loaded_at` timestamp" in layer["ingested_files"]["columns"]
