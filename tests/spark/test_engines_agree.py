"""Both engines on the same exports give the same marts, on a real Spark standalone cluster.

A master and two workers start on 127.0.0.1 from the installed pyspark package (separate JVM
processes). One generated month (December, whose carrier backlog pushes late shipments over the
4% target) is run through `sellerhealth run` with the DuckDB engine and with the Spark engine on
that cluster; `sellerhealth export` writes each engine's marts as Parquet; every row of
marts.seller_metrics_daily, marts.fct_orders, marts.alerts (both sources), marts.metric_outlook,
marts.amazon_account_health and marts.metric_reconciliation must be equal, numbers within 1e-9.
Both runs have a notifications.yml (one webhook route that takes every change): each engine's
outbox (marts.alert_notifications in its DuckDB file) and the messages the receiver got must be the
same too. The cluster is stopped whatever happens (the fixture's context manager).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest

pytest.importorskip("pyspark", reason="the Spark engine's extra is not installed: run `make test-spark`")

from pipelines.lib.spark_cluster import standalone_cluster  # noqa: E402
from pipelines.synthetic import generate_exports, upload  # noqa: E402
from tests.receivers import HttpReceiver  # noqa: E402

START, END = date(2025, 12, 1), date(2025, 12, 31)
MARKETPLACE = "ATVPDKIKX0DER"
COMPARED = (
    "seller_metrics_daily",
    "fct_orders",
    "alerts",
    "metric_outlook",
    "amazon_account_health",
    "metric_reconciliation",
)
# the columns that identify a row of each mart (the rest is compared value by value)
KEYS = {
    "seller_metrics_daily": (
        "as_of_date",
        "seller_id",
        "marketplace_id",
        "fulfillment_channel",
        "metric",
        "window_days",
    ),
    "fct_orders": ("seller_id", "marketplace_id", "amazon_order_id"),
    "alerts": ("alert_id",),
    "metric_outlook": (
        "seller_id",
        "marketplace_id",
        "fulfillment_channel",
        "metric",
        "window_days",
        "as_of_date",
        "outlook_date",
    ),
    "amazon_account_health": ("seller_id", "marketplace_id", "snapshot_date", "amazon_metric", "fulfillment_channel"),
    "metric_reconciliation": ("seller_id", "marketplace_id", "snapshot_date", "amazon_metric", "fulfillment_channel"),
}


NOTIFICATIONS = """\
channels:
  hook:
    type: webhook
    url_env: TEST_HOOK_URL
routes:
  - name: all
    channels: [hook]
"""


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, (
        f"sellerhealth {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    )
    return result


def _start_cli(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """`sellerhealth ARGS` in the background, its output to `log` (a pipe could fill up and stall it)."""
    with open(log, "w") as out:
        return subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], env=env, stdout=out, stderr=out)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster"), workers=2) as running:
        yield running
    # stopped: the master's port no longer answers
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{running.web_ui}/json/", timeout=2)


@pytest.fixture(scope="module")
def hook():
    """The webhook both runs send their notifications to, each to its own path (/duckdb, /spark)."""
    receiver = HttpReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def exported(s3_endpoint, cluster, hook, tmp_path_factory):
    """Each engine's marts as Parquet: {"duckdb": dir, "spark": dir}; its warehouse is dir/../seller_health.duckdb."""
    import boto3

    bucket = "sellerhealth-engines"
    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    files = generate_exports(START, END, sellers=1, orders_per_day=15, seed=5, marketplaces=(MARKETPLACE,))
    upload(files, client, bucket)
    out, envs = {}, {}
    for name in ("duckdb", "spark"):
        work = tmp_path_factory.mktemp(name)
        (work / "notifications.yml").write_text(NOTIFICATIONS)
        env = {
            **os.environ,
            "SELLER_EXPORTS_BUCKET": bucket,
            "WAREHOUSE_PATH": str(work / "seller_health.duckdb"),
            "SELLERHEALTH_ENGINE": name,
            "SELLERHEALTH_SPARK_DIR": str(work / "spark"),
            "SPARK_MASTER_URL": cluster.master_url,
            # one shuffle partition per worker core: a month of one seller is a few thousand rows
            "SELLERHEALTH_SPARK_SHUFFLE_PARTITIONS": "2",
            "SELLERHEALTH_NOTIFICATIONS": str(work / "notifications.yml"),
            "TEST_HOOK_URL": hook.url(f"/{name}"),
        }
        env.pop("SELLER_EXPORTS_PREFIX", None)
        env.pop("PUBLISHED_WAREHOUSE_PATH", None)
        env.pop("DAGSTER_HOME", None)
        env.pop("SELLERHEALTH_NOTIFY_RECENT_DAYS", None)
        envs[name], out[name] = env, work / "marts"
    # both runs at once (each its own warehouse and bucket reader), as two users would
    days = ("--start", START.isoformat(), "--end", END.isoformat())
    logs = {name: out[name].parent / "run.log" for name in envs}
    runs = {name: _start_cli(env, logs[name], "run", *days) for name, env in envs.items()}
    try:
        for name, process in runs.items():
            process.wait(timeout=2400)
            assert process.returncode == 0, f"sellerhealth run ({name}) failed:\n{logs[name].read_text()[-8000:]}"
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    for name, env in envs.items():
        _cli(env, "export", "--out", str(out[name]))
    return out


def _rows(folder: Path, table: str) -> tuple[list[str], list[tuple]]:
    with duckdb.connect() as con:
        relation = con.sql(f"select * from read_parquet('{folder / table}/*.parquet')")
        columns = relation.columns
        order = ", ".join(f'"{c}"' for c in KEYS[table])
        rows = con.sql(f"select * from read_parquet('{folder / table}/*.parquet') order by {order}").fetchall()
    return columns, rows


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.mark.parametrize("table", COMPARED)
def test_every_row_is_the_same_on_both_engines(exported, table):
    duck_columns, duck_rows = _rows(exported["duckdb"], table)
    spark_columns, spark_rows = _rows(exported["spark"], table)
    assert sorted(spark_columns) == sorted(duck_columns)
    index = [spark_columns.index(c) for c in duck_columns]
    spark_rows = [tuple(row[i] for i in index) for row in spark_rows]
    assert len(spark_rows) == len(duck_rows)
    assert duck_rows, f"marts.{table} is empty: nothing was compared"
    for duck, spark in zip(duck_rows, spark_rows, strict=True):
        differing = [c for c, a, b in zip(duck_columns, duck, spark, strict=True) if not _same(a, b)]
        assert not differing, f"marts.{table} differs in {differing}:\n duckdb {duck}\n spark  {spark}"


def test_the_month_has_its_expected_shape(exported):
    """What the comparison covers, worked out from the data: 31 as-of days, breaches that became alerts."""
    with duckdb.connect() as con:
        folder = exported["spark"]
        days = con.sql(
            f"select count(distinct as_of_date), min(as_of_date), max(as_of_date) "
            f"from read_parquet('{folder}/seller_metrics_daily/*.parquet')"
        ).fetchone()
        late = con.sql(
            f"select count(*) from read_parquet('{folder}/alerts/*.parquet') "
            "where metric = 'late_shipment_rate' and window_days = 10 "
            "and opened_on between '2025-12-10' and '2025-12-20'"
        ).fetchone()[0]
    # the first as-of day is the first order's day (Dec 1), the last the latest export day (Dec 31)
    assert days == (31, START, END)
    # the carrier backlog of Dec 10-20 pushes the 10-day late shipment rate over 4%: an alert opens then
    assert late >= 1


def test_the_spark_run_used_the_cluster(exported, cluster):
    """Jobs ran on the standalone master (its finished applications), not in a local Spark."""
    with urllib.request.urlopen(f"{cluster.web_ui}/json/", timeout=5) as response:
        state = json.load(response)
    names = {app["name"] for app in state.get("completedapps", []) + state.get("activeapps", [])}
    assert "sellerhealth-dbt" in names
    assert "sellerhealth-alerts" in names


OUTBOX_COLUMNS = (
    "alert_id, change, change_day, route, channel, status, reason, attempts, idempotency_key, seller_id, "
    "marketplace_id, source, fulfillment_channel, metric, window_days, severity, opened_on, resolved_on, "
    "days_open, value, target, target_condition, behind, headroom"
)


def test_both_engines_record_and_send_the_same_notifications(exported, hook):
    """One code path for notifications: the Spark run's outbox and messages are the DuckDB run's."""
    outboxes = {}
    for name, folder in exported.items():
        with duckdb.connect(str(folder.parent / "seller_health.duckdb"), read_only=True) as con:
            outboxes[name] = con.execute(
                f"select {OUTBOX_COLUMNS} from marts.alert_notifications order by alert_id, change"
            ).fetchall()
    duck, spark = outboxes["duckdb"], outboxes["spark"]
    assert len(spark) == len(duck)
    for a, b in zip(duck, spark, strict=True):
        assert all(_same(x, y) for x, y in zip(a, b, strict=True)), f"outboxes differ:\n duckdb {a}\n spark  {b}"
    # the route takes every change: the December late-shipment alert (opened Dec 10-20) is among them,
    # OPENED, or RESOLVED when it was over by Dec 31 (one run saw it open and close)
    late = [r for r in spark if r[13] == "late_shipment_rate" and r[14] == 10]
    assert any(date(2025, 12, 10) <= r[16] <= date(2025, 12, 20) for r in late)
    assert all(r[1] == ("RESOLVED" if r[17] else "OPENED") for r in late)
    # only the last 2 days of data (Dec 30, 31) are sent; the rest is SKIPPED as old, on both engines
    assert all((r[5] == "SENT") == (r[2] >= date(2025, 12, 30)) for r in spark)
    assert all(r[5] == "SENT" or r[6].startswith(f"the change's day {r[2]} is before the recent period") for r in spark)
    # one message per run with what was sent: the same changes, the same idempotency key
    sent = {name: [p.body for p in hook.on(f"/{name}")] for name in exported}
    assert len(sent["spark"]) == len(sent["duckdb"]) == (1 if any(r[5] == "SENT" for r in duck) else 0)
    for a, b in zip(sent["duckdb"], sent["spark"], strict=True):
        assert (a["idempotency_key"], a["text"]) == (b["idempotency_key"], b["text"])
        assert len(a["changes"]) == len(b["changes"])
        for x, y in zip(a["changes"], b["changes"], strict=True):
            assert x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x), f"changes differ:\n {x}\n {y}"
