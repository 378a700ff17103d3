"""A content hash of every table of a DuckDB file, to compare warehouses row for row.

Columns that record when a run happened (`_loaded_at`, `loaded_at`, the incremental models'
`_loaded_through`, a restatement's times), not what the exports say, are left out; rows are sorted,
so the physical order of a table does not matter, but every row (duplicates too) counts.
"""

from __future__ import annotations

import hashlib

import duckdb

RUN_TIME_COLUMNS = {"_loaded_at", "loaded_at", "_loaded_through", "restated_at", "rebuilt_at"}


def table_hashes(path) -> dict[str, str]:
    """`schema.table` -> sha256 of its sorted rows (run-time columns excluded), for every base table."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = current_database() order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where database_name = current_database() "
                    "and schema_name = ? and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
                if c not in RUN_TIME_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'select {select} from "{schema}"."{table}"').fetchall()
            digest = hashlib.sha256(repr(columns).encode())
            for line in sorted(repr(r) for r in rows):
                digest.update(line.encode())
                digest.update(b"\n")
            out[f"{schema}.{table}"] = f"{len(rows)}:{digest.hexdigest()}"
    return out
