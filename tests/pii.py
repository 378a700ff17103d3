"""A scan of every text column of every warehouse table for buyer e-mails and phone numbers."""

import re

import duckdb

# The lookbehind starts a match only at the start of a run: linear time on a 1 MB value.
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# North-American style (555-010-0100, (555) 010 0100) or international (+49 30 1234567).
PHONE = re.compile(r"(?<![\w/.-])(\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}|\+\d{1,3}[ .-]?\d[\d .-]{6,}\d)(?![\w/])")
# Technical columns whose values are hashes, keys or ids, never written by a buyer.
TECHNICAL = {"_etag", "etag", "_source_key", "source_key", "amazon_order_id", "tracking_number"}


def personal_data_found(path) -> list[str]:
    """`schema.table.column: value` for every value that looks like an e-mail or a phone number."""
    found = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_catalog = current_database()"
        ).fetchall()
        for schema, table, column in columns:
            values = con.execute(f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null')
            for (value,) in values.fetchall():
                if column not in TECHNICAL and (EMAIL.search(value) or PHONE.search(value)):
                    found.append(f"{schema}.{table}.{column}: {value}")
    return found
