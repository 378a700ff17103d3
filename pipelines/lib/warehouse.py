"""The raw layer of the DuckDB warehouse: table definitions derived from the data contracts.

Every export has a table `raw.<export>` with the contract's columns plus lineage columns. Two audit
tables record every file read (`raw.ingested_files`) and every row kept aside (`raw.rejected_rows`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import duckdb

from data_contracts import CONTRACTS, contract_columns
from data_contracts._base import DECIMAL, INTEGER, MARKETPLACE_DATE, TIMESTAMP

RAW_SCHEMA = "raw"

_SQL_TYPE = {TIMESTAMP: "TIMESTAMP", MARKETPLACE_DATE: "DATE", INTEGER: "BIGINT", DECIMAL: "DOUBLE"}

# Lineage columns, first in every raw table: where each row came from.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("seller_id", "VARCHAR NOT NULL"),
    ("marketplace_id", "VARCHAR NOT NULL"),
    ("dt", "DATE NOT NULL"),
    ("_source_key", "VARCHAR NOT NULL"),
    ("_etag", "VARCHAR NOT NULL"),
    ("_line_number", "INTEGER NOT NULL"),
    ("_loaded_at", "TIMESTAMP NOT NULL"),
)

INGESTED_FILES_DDL = f"""
create table if not exists {RAW_SCHEMA}.ingested_files (
    export varchar not null,
    seller_id varchar not null,
    marketplace_id varchar not null,
    dt date not null,
    source_key varchar not null,
    etag varchar not null,
    size_bytes bigint not null,
    encoding varchar not null,      -- utf-8, or windows-1252 when the file was not valid UTF-8
    status varchar not null,        -- LOADED, LOADED_WITH_REJECTS, REJECTED
    rows_read bigint not null,      -- data lines in the file (blank lines excluded)
    rows_loaded bigint not null,
    rows_rejected bigint not null,  -- rows_read = rows_loaded + rows_rejected
    message varchar,                -- why a file was rejected, or warnings
    loaded_at timestamp not null
)
"""

REJECTED_ROWS_DDL = f"""
create table if not exists {RAW_SCHEMA}.rejected_rows (
    export varchar not null,
    seller_id varchar not null,
    marketplace_id varchar not null,
    dt date not null,
    source_key varchar not null,
    etag varchar not null,
    line_number integer,            -- physical line in the file, header = 1
    column_name varchar,            -- export header of the failing column; NULL for the whole row/file
    check_name varchar not null,
    failure_value varchar,          -- the offending value (only from contract columns, never buyer data)
    message varchar not null,
    loaded_at timestamp not null
)
"""


# A load that took rows away: a file loaded before is gone from the bucket, or holds other
# content (another ETag). The dbt models built incrementally cannot see rows that disappeared,
# so the next run rebuilds them in full and sets rebuilt_at (pipelines/defs/transform/assets.py).
RESTATEMENTS_DDL = f"""
create table if not exists {RAW_SCHEMA}.restatements (
    export varchar not null,
    first_day date not null,        -- the range that was loaded again
    last_day date not null,
    files_changed bigint not null,  -- loaded before with another ETag
    files_removed bigint not null,  -- loaded before, gone from the bucket now
    example_key varchar not null,
    restated_at timestamp not null,
    rebuilt_at timestamp            -- when the models were rebuilt in full; NULL: not yet
)
"""


def raw_table_columns(export: str) -> list[tuple[str, str]]:
    """(name, SQL type) of `raw.<export>`, lineage columns first."""
    cols = list(LINEAGE_COLUMNS)
    for col in contract_columns(CONTRACTS[export]):
        cols.append((col.name, _SQL_TYPE.get(col.parse, "VARCHAR")))
    return cols


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and its tables when missing (idempotent)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for export in CONTRACTS:
        cols = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in raw_table_columns(export))
        con.execute(f"create table if not exists {RAW_SCHEMA}.{export} (\n    {cols}\n)")
        _add_new_columns(con, export)
    con.execute(INGESTED_FILES_DDL)
    con.execute(REJECTED_ROWS_DDL)
    con.execute(RESTATEMENTS_DDL)


def _add_new_columns(con: duckdb.DuckDBPyConnection, export: str) -> None:
    """A warehouse built before a contract gained a column gets it (NULL on the rows loaded before)."""
    have = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [RAW_SCHEMA, export],
        ).fetchall()
    }
    for name, sql_type in raw_table_columns(export):
        if name not in have:
            con.execute(f"alter table {RAW_SCHEMA}.{export} add column {name} {sql_type}")


_DDL_COLUMN = re.compile(r"^\s+(\w+)\s+[^-]*--\s*(.+?)\s*$")


def ddl_column_comments(ddl: str) -> dict[str, str]:
    """`{column: text}` from the `-- text` that ends each column line of a `create table` statement."""
    return {m[1]: m[2] for m in map(_DDL_COLUMN.match, ddl.splitlines()) if m}


def sql_string(text: str) -> str:
    """`text` as a SQL string literal (single quotes doubled), for statements that take no parameters."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements inside in one transaction: committed when the block ends, rolled back if it raises."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        # a failed commit has ended the transaction already: its error, not the rollback's, is raised
        with suppress(duckdb.Error):
            con.execute("rollback")
        raise


def comment_table(con: duckdb.DuckDBPyConnection, table: str, ddl: str, text: str) -> None:
    """DuckDB comments on `table` and on each of its columns, from its DDL's trailing comments."""
    con.execute(f"comment on table {table} is {sql_string(text)}")
    for column, comment in ddl_column_comments(ddl).items():
        con.execute(f"comment on column {table}.{column} is {sql_string(comment)}")


def parquet_folders(folder) -> list[str]:
    """The names of the table folders (`<folder>/<table>/*.parquet`) under `folder`, sorted; none when it is missing."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def create_parquet_views(con: duckdb.DuckDBPyConnection, folder, tables: list[str], schema: str = "marts") -> None:
    """`schema.<table>` as a view over `<folder>/<table>/*.parquet` for each of `tables` (read_parquet, built in)."""
    con.execute(f"create schema if not exists {schema}")
    for table in tables:
        pattern = str(folder / table / "*.parquet").replace("'", "''")
        con.execute(f"create or replace view {schema}.{table} as select * from read_parquet('{pattern}')")
