"""Which engine builds the warehouse (SELLERHEALTH_ENGINE=duckdb|spark) and the Spark engine's settings.

Read from `pipelines.settings.Settings` when a run starts, never at import. The embedded default is
DuckDB: one file, nothing to start. With `spark`, ingestion is the same Python, writing the same
DuckDB raw tables, and also writes their rows as Hive-partitioned Parquet under the raw-layer
location; dbt builds the models with dbt-spark on SPARK_MASTER_URL; alerts and exports read and
write Spark tables (docs/spark.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipelines.settings import DUCKDB, ENGINES, SPARK, Settings

__all__ = ["DUCKDB", "ENGINES", "SPARK"]


def engine(settings: Settings | None = None) -> str:
    return (settings or Settings.from_env()).engine_name()


def is_spark(settings: Settings | None = None) -> bool:
    return engine(settings) == SPARK


def master_url(settings: Settings | None = None) -> str:
    return (settings or Settings.from_env()).spark_master_url


def spark_dir(settings: Settings | None = None) -> Path:
    """Where the Spark engine keeps its Hive metastore and table files (SELLERHEALTH_SPARK_DIR).

    Default: `spark/` beside the DuckDB warehouse file.
    """
    return (settings or Settings.from_env()).spark_folder()


def raw_path(settings: Settings | None = None) -> Path:
    """The raw layer Spark reads: one folder per export, Hive partitions (SELLERHEALTH_RAW_PATH)."""
    return (settings or Settings.from_env()).raw_folder()


def published_marts_path(settings: Settings | None = None) -> Path:
    """The marts of the last successful Spark run as Parquet (what the scorecard and report read)."""
    return spark_dir(settings) / "published_marts"


def notify_marts_path(settings: Settings | None = None) -> Path:
    """The marts the notification outbox reads, as Parquet, written by the run's alerts job (docs/spark.md)."""
    return spark_dir(settings) / "notify_marts"


def child_env(settings: Settings | None = None) -> dict[str, str]:
    """The environment of a child process (dbt, a Spark job): this one's, with the run's settings resolved."""
    return {**os.environ, **(settings or Settings.from_env()).dbt_env()}


def session_conf(settings: Settings | None = None) -> dict[str, str]:
    """The Spark settings of every sellerhealth session: the same as dbt_project/profiles.yml's target."""
    settings = settings or Settings.from_env()
    base = settings.spark_folder()
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": f"{base}/tables",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={base}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.shuffle.partitions": settings.spark_shuffle_partitions,
        "spark.executor.memory": settings.spark_executor_memory,
        # the driver plans the queries: the largest, the outlook, plans within 1g (docs/spark.md)
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.pyspark.python": sys.executable,
    }


def java_problem() -> str | None:
    """Why Spark cannot start here (no Java), or None."""
    import shutil

    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return None
    if shutil.which("java"):
        return None
    return (
        "the Spark engine needs Java 17 (or 21): no `java` on PATH and no JAVA_HOME. "
        "Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
    )


def pyspark_problem() -> str | None:
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        return (
            "the Spark engine needs the `spark` extra (pyspark, dbt-spark): "
            "`make install-spark`, or `pip install -e '.[spark]'`"
        )
    return None
