"""The alert episodes of hand-made metric days, computed by the real SQL of the dbt models.

`intermediate.int_alert_episodes` and `int_alert_latest_days` are compiled once per test session
by dbt (for DuckDB) and run on the test's own connection, as `dbt build` would build them; the
alerts asset then reads them (`update_alerts_after_dbt`). `episodes` gives the episodes of one
series' days, for tests of the episode rules.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines.defs.alerts.assets import (
    EPISODE_COLUMNS,
    EPISODES_QUERY,
    EPISODES_TABLE,
    LATEST_DAYS_TABLE,
    Alert,
    Series,
    update_alerts,
)

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
MODELS = {EPISODES_TABLE: "int_alert_episodes", LATEST_DAYS_TABLE: "int_alert_latest_days"}
# dbt-duckdb names relations after the database file: `memory` is also an in-memory connection's name
COMPILE_DATABASE = "memory"


@dataclass(frozen=True)
class Day:
    """One day of a series in `marts.seller_metrics_daily`."""

    as_of_date: date
    status: str
    value: float | None = None
    target: float | None = None
    target_condition: str | None = None


@functools.cache
def model_sql() -> dict[str, str]:
    """The compiled SQL of each episode model, its relations without a database name."""
    work = Path(tempfile.mkdtemp(prefix="alert-sql-"))
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt) if dbt.exists() else shutil.which("dbt") or "dbt",
            "compile",
            "--select",
            *MODELS.values(),
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        env=dict(os.environ, WAREHOUSE_PATH=str(work / f"{COMPILE_DATABASE}.duckdb"), SELLERHEALTH_ENGINE="duckdb"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, f"dbt compile failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    out = {}
    for table, model in MODELS.items():
        (path,) = (work / "target" / "compiled").rglob(f"{model}.sql")
        out[table] = re.sub(rf'"{COMPILE_DATABASE}"\.', "", path.read_text())
    shutil.rmtree(work, ignore_errors=True)
    return out


AMAZON_DAYS_DDL = """
create table if not exists intermediate.int_amazon_alert_days (
    seller_id varchar, marketplace_id varchar, fulfillment_channel varchar, amazon_metric varchar,
    snapshot_date date, status varchar, value double, target double, target_condition varchar)
"""


def build_alert_episodes(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Build the episode models on `con` from its marts.seller_metrics_daily (and Amazon's days, if any)."""
    con.execute("create schema if not exists intermediate")
    con.execute(AMAZON_DAYS_DDL)
    for table, sql in model_sql().items():
        con.execute(f"create or replace table {table} as {sql}")
    return con


def update_alerts_after_dbt(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    """What a run does after loading: build the episode models, then run the alerts asset's update."""
    return update_alerts(build_alert_episodes(con))


def metrics_table() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with an empty `marts.seller_metrics_daily` of the columns the episodes read."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.seller_metrics_daily (seller_id varchar, marketplace_id varchar, "
        "fulfillment_channel varchar, metric varchar, window_days integer, as_of_date date, status varchar, "
        "value double, target double, target_condition varchar)"
    )
    return con


def episodes(series: Series, days: Iterable[Day]) -> list[Alert]:
    """The episodes the SQL computes for one series of days (in any order), oldest first."""
    con = metrics_table()
    rows = [(*vars(series).values(), *vars(day).values()) for day in days]
    if rows:
        con.executemany("insert into marts.seller_metrics_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    build_alert_episodes(con)
    found = [Alert(**dict(zip(EPISODE_COLUMNS, r, strict=True))) for r in con.execute(EPISODES_QUERY).fetchall()]
    con.close()
    return sorted(found, key=lambda a: a.opened_on)
