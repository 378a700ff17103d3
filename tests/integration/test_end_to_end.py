"""End to end through the installed console script: `sellerhealth generate`, then `sellerhealth run`.

The commands run as a cron job would: the venv's `sellerhealth` called by path, with the venv's
`bin` NOT on PATH. The warehouse must then hold exactly what the generator wrote.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.synthetic import generate_exports
from tests.pii import personal_data_found

START, END = date(2026, 1, 1), date(2026, 1, 30)
SELLERS, ORDERS_PER_DAY, SEED = 2, 20, 11
BIN = Path(sys.executable).parent
PII_HEADERS = {"buyer-email", "buyer-name", "recipient-name", "ship-city", "ship-state", "ship-postal-code",
               "ship-address-1", "buyer-phone-number", "rater email"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != BIN)
    return subprocess.run([str(BIN / "sellerhealth"), *args], env=env, capture_output=True, text=True, timeout=900)


def _rows(key: str, body: bytes) -> list[dict[str, str]]:
    if key.endswith(".gz"):
        body = gzip.decompress(body)
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def generated():
    files = list(generate_exports(START, END, sellers=SELLERS, orders_per_day=ORDERS_PER_DAY, seed=SEED))
    return {f.key: f.body for f in files}


@pytest.fixture(scope="module")
def run_result(generated, s3_endpoint, tmp_path_factory):
    """One generate + run over 30 days, shared by the assertions below."""
    saved = {k: os.environ.get(k) for k in ("SELLER_EXPORTS_BUCKET", "WAREHOUSE_PATH", "SELLER_EXPORTS_PREFIX")}
    warehouse = tmp_path_factory.mktemp("e2e") / "seller_health.duckdb"
    os.environ.update(SELLER_EXPORTS_BUCKET="sellerhealth-e2e", WAREHOUSE_PATH=str(warehouse))
    os.environ.pop("SELLER_EXPORTS_PREFIX", None)
    try:
        gen = _cli("generate", "--start", START.isoformat(), "--end", END.isoformat(), "--sellers", str(SELLERS),
                   "--orders-per-day", str(ORDERS_PER_DAY), "--seed", str(SEED), "--create-bucket")
        assert gen.returncode == 0, gen.stderr
        run = _cli("run", "--start", START.isoformat(), "--end", END.isoformat())
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
        yield warehouse, run
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_every_generated_file_is_loaded_without_rejects(generated, run_result):
    warehouse, run = run_result
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = dict(con.execute("select source_key, rows_loaded from raw.ingested_files "
                                 "where status = 'LOADED'").fetchall())
        assert con.execute("select count(*) from raw.rejected_rows").fetchone() == (0,)
    assert set(files) == set(generated)
    for key, body in generated.items():
        if not key.startswith("account_health/"):
            assert files[key] == len(_rows(key, body)), key
    assert "rows loaded" in run.stdout and "orders" in run.stdout


def test_raw_orders_equal_the_generated_rows(generated, run_result):
    warehouse, _ = run_result
    expected = Counter()
    for key, body in generated.items():
        if key.startswith("orders/"):
            for row in _rows(key, body):
                expected[(row["amazon-order-id"], row["sku"], row["order-status"], row["quantity"])] += 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        actual = Counter(
            (oid, sku, status, str(qty))
            for oid, sku, status, qty in con.execute(
                "select amazon_order_id, sku, order_status, quantity from raw.orders").fetchall()
        )
    assert actual == expected and sum(expected.values()) > 1000


def test_feedback_ratings_and_negative_count_match_the_files(generated, run_result):
    warehouse, _ = run_result
    ratings = Counter(int(r["Rating"]) for k, b in generated.items() if k.startswith("feedback/") for r in _rows(k, b))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        actual = Counter(dict(con.execute("select rating, count(*) from raw.feedback group by 1").fetchall()))
    assert actual == ratings


def test_no_buyer_personal_data_in_any_table(generated, run_result):
    warehouse, _ = run_result
    buyer_values = set()
    for key, body in generated.items():
        if not key.startswith("account_health/"):
            for row in _rows(key, body):
                buyer_values |= {v for h, v in row.items() if h and h.strip().lower() in PII_HEADERS and v}
    assert buyer_values, "the generator writes buyer columns, so that dropping them is tested"
    assert personal_data_found(warehouse) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR'").fetchall()
        for schema, table, column in columns:
            hits = con.execute(f'select count(*) from "{schema}"."{table}" where "{column}" in '
                               f"(select unnest(?::varchar[]))", [sorted(buyer_values)]).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds buyer data"
