"""The raw layer as Parquet for the Spark engine: the same validated rows as the DuckDB raw tables.

Ingestion stays one code path: it parses, checks and loads into `raw.<export>` in the DuckDB file
(one transaction per export and day range), then `write_raw_days` writes the rows of those days
as Hive partitions `<root>/<export>/seller_id=S/marketplace_id=M/dt=D/`, and
`write_ingested_files` writes `raw.ingested_files` whole. Spark registers the folders as the dbt
sources (macro `register_raw_layer`, run by dbt at the start of a Spark build).

A run over D1..D2 replaces those days as a whole: the new partitions are written to a staging
folder first, and only when all are written do the old partitions of D1..D2 go and the new ones
move in (renames). A run killed before that point changes nothing Spark sees; one killed during
the renames leaves some days of one export old, which the next run over the range replaces (the
DuckDB raw tables, already committed, hold the rows).
"""

from __future__ import annotations

import os
import shutil
import uuid
from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib.warehouse import RAW_SCHEMA, raw_table_columns

PARTITION_COLUMNS = ("seller_id", "marketplace_id", "dt")
INGESTED_FILES = "ingested_files"

_SPARK_TYPE = {"VARCHAR": "string", "DATE": "date", "TIMESTAMP": "timestamp", "BIGINT": "bigint", "INTEGER": "int"}


def spark_columns(export: str) -> list[tuple[str, str]]:
    """(name, Spark type) of the Parquet raw table of `export`, partition columns last."""
    cols = []
    for name, sql_type in raw_table_columns(export):
        base = sql_type.split()[0].upper()
        cols.append((name, _SPARK_TYPE.get(base, base.lower())))
    return [c for c in cols if c[0] not in PARTITION_COLUMNS] + [c for c in cols if c[0] in PARTITION_COLUMNS]


def _day_of(partition: Path) -> date | None:
    name = partition.name
    if not name.startswith("dt="):
        return None
    try:
        return date.fromisoformat(name[3:])
    except ValueError:
        return None


def _partitions(table_dir: Path, first_day: date, last_day: date) -> list[Path]:
    """The dt= folders of the table whose day is in [first_day, last_day]."""
    out = []
    for day_dir in table_dir.glob("seller_id=*/marketplace_id=*/dt=*"):
        day = _day_of(day_dir)
        if day is not None and first_day <= day <= last_day:
            out.append(day_dir)
    return sorted(out)


def write_raw_days(con: duckdb.DuckDBPyConnection, export: str, first_day: date, last_day: date, root: Path) -> int:
    """Replace the partitions of [first_day, last_day] under `root/export` with the rows of `raw.<export>`.

    Returns the number of rows written.
    """
    table_dir = root / export
    table_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    staging = root / f".staging-{export}-{token}"
    trash = root / f".trash-{export}-{token}"
    try:
        (rows,) = con.execute(
            f"select count(*) from {RAW_SCHEMA}.{export} where dt between ? and ?", [first_day, last_day]
        ).fetchone()
        if rows:
            names = ", ".join(name for name, _ in spark_columns(export))
            con.execute(
                f"copy (select {names} from {RAW_SCHEMA}.{export} "
                f"where dt between '{first_day.isoformat()}' and '{last_day.isoformat()}') "
                f"to '{staging}' (format parquet, partition_by ({', '.join(PARTITION_COLUMNS)}))"
            )
        new = _partitions(staging, first_day, last_day) if staging.exists() else []
        old = _partitions(table_dir, first_day, last_day)
        # everything is written: now the swap, renames only
        for day_dir in old:
            target = trash / day_dir.relative_to(table_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(day_dir, target)
        for day_dir in new:
            target = table_dir / day_dir.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(day_dir, target)
        return int(rows)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)


def write_ingested_files(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    """`raw.ingested_files` whole, as one Parquet file replaced atomically (the models read its max(loaded_at))."""
    folder = root / INGESTED_FILES
    folder.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{INGESTED_FILES}-{uuid.uuid4().hex[:12]}.parquet"
    con.execute(f"copy (select * from {RAW_SCHEMA}.{INGESTED_FILES}) to '{tmp}' (format parquet)")
    os.replace(tmp, folder / "data.parquet")


def ingested_files_spark_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [RAW_SCHEMA, INGESTED_FILES],
    ).fetchall()
    return [(name, _SPARK_TYPE.get(t.upper(), t.lower())) for name, t in rows]


def raw_layer_vars(root: Path) -> dict:
    """The dbt var `spark_raw_layer`: where each raw table's Parquet is and its columns (Spark DDL)."""
    from data_contracts import CONTRACTS
    from pipelines.lib.warehouse import INGESTED_FILES_DDL

    with duckdb.connect() as con:
        con.execute(f"create schema {RAW_SCHEMA}")
        con.execute(INGESTED_FILES_DDL)
        ingested = ingested_files_spark_columns(con)
    tables = {
        export: {
            "location": str(root / export),
            "columns": ", ".join(f"`{n}` {t}" for n, t in spark_columns(export)),
            "partitioned_by": ", ".join(PARTITION_COLUMNS),
        }
        for export in CONTRACTS
    }
    tables[INGESTED_FILES] = {
        "location": str(root / INGESTED_FILES),
        "columns": ", ".join(f"`{n}` {t}" for n, t in ingested),
        "partitioned_by": "",
    }
    return {"spark_raw_layer": {"tables": tables}}
