"""End to end through the installed console script: `sellerhealth generate`, then `sellerhealth run`.

The commands run as a cron job would: the venv's `sellerhealth` called by path, with the venv's
`bin` NOT on PATH. The warehouse must then hold exactly what the generator wrote.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.layout import parse_key
from pipelines.synthetic import generate_exports
from tests.conftest import REPO
from tests.pii import personal_data_found

START, END = date(2026, 1, 1), date(2026, 1, 30)
SELLERS, ORDERS_PER_DAY, SEED = 2, 20, 11
BIN = Path(sys.executable).parent
PII_HEADERS = {
    "buyer-email",
    "buyer-name",
    "recipient-name",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-address-1",
    "buyer-phone-number",
    "rater email",
}


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
        gen = _cli(
            "generate",
            "--start",
            START.isoformat(),
            "--end",
            END.isoformat(),
            "--sellers",
            str(SELLERS),
            "--orders-per-day",
            str(ORDERS_PER_DAY),
            "--seed",
            str(SEED),
            "--create-bucket",
        )
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
        files = dict(
            con.execute("select source_key, rows_loaded from raw.ingested_files where status = 'LOADED'").fetchall()
        )
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
                "select amazon_order_id, sku, order_status, quantity from raw.orders"
            ).fetchall()
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
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" in (select unnest(?::varchar[]))',
                [sorted(buyer_values)],
            ).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds buyer data"


# --- metrics recomputed independently, in plain Python, from the generated files -------------------

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"


def _instant(text: str) -> datetime:
    """An ISO-8601 timestamp as a UTC instant; no offset means UTC (docs/metrics.md)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _latest(generated, export: str, seller: str, marketplace: str, key: str, version: str) -> dict[str, dict]:
    """Each record's latest version: greatest version instant, then dt, then file key, then row."""
    best: dict[str, tuple] = {}
    for file_key, body in generated.items():
        parsed = parse_key(file_key)
        if (parsed.export, parsed.seller_id, parsed.marketplace_id) != (export, seller, marketplace):
            continue
        for line, row in enumerate(_rows(file_key, body)):
            rank = (_instant(row[version]), parsed.dt, file_key, line)
            if row[key] not in best or rank > best[row[key]][0]:
                best[row[key]] = (rank, row)
    return {k: row for k, (_, row) in best.items()}


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def _metric_row(warehouse, seller, marketplace, metric, channel, window, as_of):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select numerator, denominator, value from marts.seller_metrics_daily where seller_id = ? "
            "and marketplace_id = ? and metric = ? and fulfillment_channel = ? and window_days = ? "
            "and as_of_date = ?",
            [seller, marketplace, metric, channel, window, as_of],
        ).fetchone()


@pytest.mark.parametrize("marketplace", [US, DE])
def test_cancel_rate_recomputed_from_the_files(generated, run_result, marketplace):
    warehouse, _ = run_result
    seller, as_of = "A2SELLER1X", END - timedelta(days=3)
    orders = {}
    for row in _latest(generated, "orders", seller, marketplace, "amazon-order-id", "last-updated-date").values():
        orders[row["amazon-order-id"]] = row  # one item per order is enough for channel and purchase date
    # MFN orders purchased in the 7 days ending on D, over those with a SELLER/AMAZON cancellation by D.
    window = {
        oid
        for oid, r in orders.items()
        if r["fulfillment-channel"] == "Merchant"
        and as_of - timedelta(days=6) <= _instant(r["purchase-date"]).date() <= as_of
    }
    cancels = _latest(generated, "cancellations", seller, marketplace, "amazon-order-id", "last-updated-at")
    cancelled = {
        oid
        for oid, c in cancels.items()
        if oid in window and c["cancelled-by"] in ("SELLER", "AMAZON") and _instant(c["cancelled-at"]) < _end_of(as_of)
    }
    assert len(window) > 50
    assert _metric_row(warehouse, seller, marketplace, "cancel_rate", "MFN", 7, as_of) == (
        len(cancelled),
        len(window),
        pytest.approx(len(cancelled) / len(window)),
    )


@pytest.mark.parametrize("window_days", [10, 30])
def test_late_shipment_rate_recomputed_from_the_files(generated, run_result, window_days):
    warehouse, _ = run_result
    seller, marketplace, as_of = "A2SELLER2X", US, END
    shipments = _latest(generated, "mfn_shipments", seller, marketplace, "amazon-order-id", "last-updated-at")
    cancels = _latest(generated, "cancellations", seller, marketplace, "amazon-order-id", "last-updated-at")
    end = _end_of(as_of)
    population, late = 0, 0
    for oid, s in shipments.items():
        ship_by = _instant(s["latest-ship-date"])
        if not as_of - timedelta(days=window_days - 1) <= ship_by.date() <= as_of:
            continue
        if oid in cancels and _instant(cancels[oid]["cancelled-at"]) < end:
            continue  # cancelled on or before D: not in the population
        population += 1
        shipped = _instant(s["shipped-at"]) if s["shipped-at"] else None
        if shipped is None or shipped >= end or shipped > ship_by:
            late += 1
    assert population > 100
    assert _metric_row(warehouse, seller, marketplace, "late_shipment_rate", "MFN", window_days, as_of) == (
        late,
        population,
        pytest.approx(late / population),
    )


def test_response_within_24h_rate_recomputed_from_the_files(generated, run_result):
    warehouse, _ = run_result
    seller, marketplace, as_of = "A2SELLER1X", DE, END - timedelta(days=1)
    messages = _latest(generated, "buyer_messages", seller, marketplace, "message-id", "last-updated-at")
    end = _end_of(as_of)
    day = timedelta(hours=24)
    population, on_time = 0, 0
    for m in messages.values():
        received = _instant(m["received-at"])
        if m["no-response-needed"] == "Y" or not as_of - timedelta(days=29) <= received.date() <= as_of:
            continue
        answered = _instant(m["responded-at"]) if m["responded-at"] else None
        if answered is not None and answered < end:
            population += 1
            on_time += answered - received <= day
        elif end - received > day:
            population += 1  # unanswered and older than 24 h: late
        # else pending: neither on time nor late
    assert population > 20
    assert _metric_row(warehouse, seller, marketplace, "response_within_24h_rate", "ALL", 30, as_of) == (
        on_time,
        population,
        pytest.approx(on_time / population),
    )


def test_target_changed_for_one_marketplace_changes_only_its_statuses(run_result, tmp_path):
    """An analyst edits the seed for DE and reruns dbt: DE's statuses follow, the US keeps the default."""
    warehouse, _ = run_result
    copy = tmp_path / "seller_health.duckdb"
    shutil.copyfile(warehouse, copy)
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    with open(project / "seeds" / "metric_targets.csv", "a") as seed:
        seed.write(f"{DE},late_shipment_rate,LESS_THAN,0.0001,\n")
    query = (
        "select marketplace_id, target, count(*) filter (where status = 'BAD') from marts.seller_metrics_daily "
        "where metric = 'late_shipment_rate' group by 1, 2 order by 1"
    )
    with duckdb.connect(str(copy), read_only=True) as con:
        before = {m: (t, bad) for m, t, bad in con.execute(query).fetchall()}
    env = dict(os.environ, WAREHOUSE_PATH=str(copy))
    for command in ("seed", "build"):
        done = subprocess.run(
            [str(BIN / "dbt"), command, "--project-dir", str(project), "--profiles-dir", str(project)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(copy), read_only=True) as con:
        after = {m: (t, bad) for m, t, bad in con.execute(query).fetchall()}
    assert before[DE][0] == before[US][0] == 0.04
    assert after[US] == before[US]
    assert after[DE][0] == 0.0001 and after[DE][1] > before[DE][1]


# Metrics whose drivers count exactly the metric's population and numerator (docs/report-and-scorecard.md).
EXACT_DRIVERS = (
    "odr",
    "odr_long",
    "negative_feedback_rate",
    "a_to_z_claim_rate",
    "chargeback_rate",
    "cancel_rate",
    "perfect_order_percentage",
    "order_quality_score",
    "return_dissatisfaction_rate",
)


@pytest.mark.parametrize("days_before_end", [0, 12])
def test_report_drivers_count_what_the_metrics_count(run_result, days_before_end):
    """For every series of those metrics, the drivers' flagged orders are the metric's numerator
    (the imperfect orders for the perfect order percentage, the points lost for the order quality
    score) and their population its denominator, and every breakdown's shares add up to 100 %."""
    from pipelines.report import SellerMarket, Series, load_drivers

    warehouse, _ = run_result
    day = END - timedelta(days=days_before_end)
    with duckdb.connect(str(warehouse.with_name("seller_health_published.duckdb")), read_only=True) as con:
        rows = con.execute(
            f"""
            select seller_id, marketplace_id, metric, fulfillment_channel, window_days, window_start, window_end,
                   numerator, denominator, value
            from marts.seller_metrics_daily
            where as_of_date = ? and metric in ({", ".join(f"'{m}'" for m in EXACT_DRIVERS)})
            """,
            [day],
        ).fetchall()
        flagged_somewhere = 0
        for seller, market, metric, channel, window, start, end, numerator, denominator, value in rows:
            sm = SellerMarket(seller, market, day, [], [])
            drivers = load_drivers(con, sm, Series(metric, channel, window, window=(start, end)))
            where = (seller, market, metric, channel, window)
            assert drivers.population == denominator, where
            if metric == "perfect_order_percentage":
                assert drivers.flagged == denominator - numerator, where
            elif metric == "order_quality_score":
                assert value is None or value == pytest.approx(100 - drivers.weight / denominator), where
            else:
                assert drivers.flagged == numerator, where
            if drivers.flagged:
                flagged_somewhere += 1
                for by, lines in drivers.breakdowns.items():
                    assert sum(d.share for d in lines) == pytest.approx(1.0), (where, by)
    assert len(rows) >= 4 * 14 and flagged_somewhere >= 4


def test_the_report_explains_every_metric_not_good(run_result, tmp_path):
    """Each BAD or WARNING series of the last day gets a card with a next step, and drivers when
    the warehouse has a breakdown for its metric."""
    from pipelines.report import DRIVER_SPECS

    warehouse, _ = run_result
    out = tmp_path / "health.html"
    page = _cli("report", "--out", str(out))
    assert page.returncode == 0, page.stderr
    html = out.read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse.with_name("seller_health_published.duckdb")), read_only=True) as con:
        breached = con.execute(
            """
            select seller_id, marketplace_id, metric, fulfillment_channel, window_days, status
            from marts.seller_metrics_daily
            where status in ('BAD', 'WARNING')
              and as_of_date = (select max(as_of_date) from marts.seller_metrics_daily)
            """
        ).fetchall()
    assert breached, "the generated month has no breached metric to explain"
    for seller, market, metric, channel, window, status in breached:
        section = html[html.index(f"<section id='{seller}-{market}'") :]
        section = section[: section.index("</section>")]
        card = section[
            section.index(
                f"<div class='card {status}' data-metric='{metric}' data-channel='{channel}' data-window='{window}'"
            ) :
        ]
        assert "<b>Next step:</b>" in card[:3000], (seller, market, metric)
        if metric in DRIVER_SPECS or metric == "return_dissatisfaction_rate":
            assert f"<table class='contributors' data-metric='{metric}' data-by='sku'>" in card, metric


def test_a_bi_session_reads_the_marts_and_their_comments_only(run_result):
    """SQLAlchemy + duckdb-engine (what Superset uses) on the published file: the marts and raw
    schemas, no staging; of intermediate only the tables the two drill-down views read, each saying
    so; every mart column, of tables and views, carries its description."""
    import sqlalchemy

    warehouse, _ = run_result
    published = warehouse.with_name("seller_health_published.duckdb")
    engine = sqlalchemy.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    try:
        inspector = sqlalchemy.inspect(engine)
        schemas = {name.split(".")[-1] for name in inspector.get_schema_names() if name.startswith(published.stem)}
        assert {"marts", "raw"} <= schemas and "staging" not in schemas
        tables = set(inspector.get_table_names(schema="marts"))
        assert {"seller_metrics_daily", "alerts", "metric_targets"} <= tables
        # the drill-down views stay views (a table would be rewritten whole every night)
        views = set(inspector.get_view_names(schema="marts"))
        assert views == {"fct_orders", "fct_return_requests"}
        for table in tables | views:
            assert inspector.get_table_comment(table, schema="marts")["text"], table
            columns = inspector.get_columns(table, schema="marts")
            assert [c["name"] for c in columns if not c["comment"]] == [], table
        # what the views read, and nothing else of dbt's steps, each table naming its views
        internal = set(inspector.get_table_names(schema="intermediate"))
        assert internal == {"int_order_events", "int_seller_marketplace_spans", "int_return_request_outcomes"}
        comment = inspector.get_table_comment("int_seller_marketplace_spans", schema="intermediate")["text"]
        assert comment.startswith("Internal:") and "marts.fct_orders" in comment
        with engine.connect() as con:
            orders = con.execute(sqlalchemy.text("select count(*) from marts.fct_orders")).scalar()
            returns = con.execute(sqlalchemy.text("select count(*) from marts.fct_return_requests")).scalar()
    finally:
        engine.dispose()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_orders").fetchone() == (orders,)
        assert con.execute("select count(*) from marts.fct_return_requests").fetchone() == (returns,)
    # a reader that attaches the copy under another name reads the views too
    with duckdb.connect() as con:
        con.execute(f"attach '{published}' as copy (read_only)")
        assert con.execute("select count(*) from copy.marts.fct_orders").fetchone() == (orders,)


def test_run_logs_are_plain_text_when_not_on_a_terminal(run_result):
    _, run = run_result
    assert "dagster - INFO" in run.stdout + run.stderr
    assert "\x1b[" not in run.stdout + run.stderr


def test_the_build_ran_in_the_dbt_process_started_with_the_run(run_result):
    # as cron runs it (the venv's bin not on PATH): dbt imported while the exports loaded, then used
    _, run = run_result
    assert "dbt ran in the process started with the run, dbt already imported (exit code 0)" in run.stdout + run.stderr
