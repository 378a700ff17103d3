"""Work on the Spark tables, each job in its own short-lived process with its own Spark session.

`python -m pipelines.spark_jobs alerts` merges the episodes of the dbt build into `marts.alerts` on
Spark with the annotation rules of pipelines/defs/alerts/assets.py, then writes the marts the
notification outbox reads (NOTIFY_MARTS) as Parquet for the DuckDB file's views; `export DIR`
writes every mart as Parquet, one folder per table. A process of its own, because the Hive
metastore (embedded Derby) admits one Spark driver at a time: dbt's session and these jobs take
turns, and each releases it on exit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import typing
import uuid
from dataclasses import asdict, fields
from datetime import date, datetime
from pathlib import Path

RESULT_PREFIX = "SPARK_JOB_RESULT "
ALERTS = "marts.alerts"
# what pipelines/defs/notify/outbox.py reads: the alerts, the metric series behind them, the orders behind those
NOTIFY_MARTS = ("alerts", "seller_metrics_daily", "fct_orders")
# tables a crash of the alerts job can leave behind; never exported
_ALERTS_NEXT, _ALERTS_PREVIOUS = "marts.alerts__next", "marts.alerts__previous"


class SparkJobFailed(RuntimeError):
    """A Spark job's process failed; the message holds the end of its output."""


def run_spark_job(args: list[str]) -> dict:
    """Run `python -m pipelines.spark_jobs ARGS` with the engine's settings; return its result."""
    from pipelines.lib import engine

    result = subprocess.run(
        [sys.executable, "-m", "pipelines.spark_jobs", *args],
        capture_output=True,
        text=True,
        check=False,
        env=engine.child_env(),
    )
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX) and result.returncode == 0:
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
    raise SparkJobFailed(f"spark job {' '.join(args)} failed (exit {result.returncode}):\n{tail}")


def spark_session(app_name: str):
    """A Spark session on SPARK_MASTER_URL with the settings of dbt's `spark` target."""
    from pyspark.sql import SparkSession

    from pipelines.lib import engine

    builder = SparkSession.builder.master(engine.master_url()).appName(app_name)
    for key, value in engine.session_conf().items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()


# ---------------------------------------------------------------------------------------- alerts


def _literal(value) -> str:
    """A Spark SQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value!r}D"
    if isinstance(value, datetime):
        return f"timestamp'{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"date'{value.isoformat()}'"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _spark_type(annotation) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    base = args[0]
    return {str: "string", int: "int", float: "double", datetime: "timestamp", date: "date", bool: "boolean"}[base]


def _table_exists(spark, name: str) -> bool:
    """`name` is qualified (`marts.alerts`); the separate `dbName` argument is deprecated since Spark 3.4."""
    return spark.catalog.tableExists(name)


def update_alerts_on_spark(spark) -> list:
    """Merge the episodes of the dbt build (intermediate.int_alert_episodes) into marts.alerts, keeping annotations.

    The same merge as on DuckDB (pipelines/defs/alerts/assets.py), of episodes the same SQL computed.
    The new table is written whole under another name first; then two renames swap it in. A job
    killed between them leaves `marts.alerts__previous`, which the next job puts back first.
    """
    from pipelines.defs.alerts.assets import (
        ALERT_COLUMNS,
        EPISODES_QUERY,
        EPISODES_TABLE,
        LATEST_DAYS_QUERY,
        LATEST_DAYS_TABLE,
        Alert,
        EpisodesNotBuilt,
        alerts_from_episodes,
    )

    spark.sql("create database if not exists marts")
    if not _table_exists(spark, ALERTS) and _table_exists(spark, _ALERTS_PREVIOUS):
        spark.sql(f"alter table {_ALERTS_PREVIOUS} rename to {ALERTS}")
    for table in (EPISODES_TABLE, LATEST_DAYS_TABLE):
        if not _table_exists(spark, table):
            raise EpisodesNotBuilt(f"{table} does not exist: build the dbt models first (sellerhealth run)")
    stored = []
    if _table_exists(spark, ALERTS):
        columns = {f.name for f in spark.table(ALERTS).schema.fields}
        wanted = [c for c in ALERT_COLUMNS if c in columns]
        for row in spark.sql(f"select {', '.join(wanted)} from {ALERTS}").collect():
            values = row.asDict()
            stored.append(Alert(**values))
    merged = alerts_from_episodes(
        stored,
        (tuple(r) for r in spark.sql(EPISODES_QUERY).collect()),
        (tuple(r) for r in spark.sql(LATEST_DAYS_QUERY).collect()),
    )

    hints = typing.get_type_hints(Alert)
    schema = ", ".join(f"{f.name} {_spark_type(hints[f.name])}" for f in fields(Alert))
    spark.sql(f"drop table if exists {_ALERTS_NEXT}")
    spark.sql(f"create table {_ALERTS_NEXT} ({schema}) using parquet")
    for start in range(0, len(merged), 500):
        chunk = merged[start : start + 500]
        values = ",\n".join("(" + ", ".join(_literal(getattr(a, c)) for c in ALERT_COLUMNS) + ")" for a in chunk)
        spark.sql(f"insert into {_ALERTS_NEXT} values {values}")
    spark.sql(f"drop table if exists {_ALERTS_PREVIOUS}")
    if _table_exists(spark, ALERTS):
        spark.sql(f"alter table {ALERTS} rename to {_ALERTS_PREVIOUS}")
    spark.sql(f"alter table {_ALERTS_NEXT} rename to {ALERTS}")
    spark.sql(f"drop table if exists {_ALERTS_PREVIOUS}")
    return merged


# ---------------------------------------------------------------------------------------- export


def write_notify_marts(spark) -> dict[str, int]:
    """The marts of NOTIFY_MARTS that exist, as Parquet in the engine's notify_marts folder, swapped in whole."""
    from pipelines.lib import engine

    built = [name for name in NOTIFY_MARTS if _table_exists(spark, f"marts.{name}")]
    return export_swapped(spark, engine.notify_marts_path(), built)


def mart_names_spark(spark) -> list[str]:
    names = []
    for table in spark.catalog.listTables("marts"):
        if table.isTemporary or table.name in (_ALERTS_NEXT.split(".")[1], _ALERTS_PREVIOUS.split(".")[1]):
            continue
        names.append(table.name)
    return sorted(names)


def export_spark(spark, out: Path, names: typing.Iterable[str] | None = None) -> dict[str, int]:
    """Every mart (or those of `names`) as Parquet under out/<table>/ (timestamps without time zone, as on DuckDB)."""
    from pyspark.sql import functions as F

    counts = {}
    for name in mart_names_spark(spark) if names is None else names:
        frame = spark.table(f"marts.{name}")
        for field in frame.schema.fields:
            if field.dataType.typeName() == "timestamp":
                frame = frame.withColumn(field.name, F.col(field.name).cast("timestamp_ntz"))
        target = out / name
        frame.coalesce(1).write.mode("overwrite").parquet(str(target))
        counts[name] = spark.read.parquet(str(target)).count()
    return counts


def export_swapped(spark, target: Path, names: typing.Iterable[str] | None = None) -> dict[str, int]:
    """export_spark into a staging folder, then swapped in whole for `target`: readers never see half of it."""
    target = target.resolve()
    staging = target.with_name(f".{target.name}-new-{uuid.uuid4().hex[:8]}")
    staging.mkdir(parents=True)
    counts = export_spark(spark, staging, names)
    replace_folder(staging, target)
    return counts


def replace_folder(new: Path, target: Path) -> None:
    """Move `new` to `target`, the old `target` aside first and then away."""
    old = target.with_name(f".{target.name}-old-{uuid.uuid4().hex[:8]}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str]) -> int:
    import time

    # PySpark turns timestamps into naive datetimes of the process's zone: make that UTC, as the session's
    os.environ["TZ"] = "UTC"
    time.tzset()
    command = argv[0]
    spark = spark_session(f"sellerhealth-{command}")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        if command == "alerts":
            merged = update_alerts_on_spark(spark)
            # in the same application (no second JVM): what the outbox step reads from the DuckDB file
            result = {"alerts": [asdict(a) for a in merged], "notify_marts": write_notify_marts(spark)}
        elif command == "export":
            out = Path(argv[1]).resolve()
            out.mkdir(parents=True, exist_ok=True)
            result = {"tables": export_spark(spark, out)}
        elif command == "publish":
            # the marts of this run as Parquet, swapped in whole: the scorecard and report read them
            result = {"tables": export_swapped(spark, Path(argv[1]))}
        else:
            raise SystemExit(f"unknown spark job {command!r}")
    finally:
        spark.stop()
    print(RESULT_PREFIX + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
