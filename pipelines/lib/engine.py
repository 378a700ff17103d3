"""Which engine builds the warehouse (SELLERHEALTH_ENGINE=duckdb|spark) and the Spark engine's settings.

Read when a run starts, never at import. The embedded default is DuckDB: one file, nothing to
start. With `spark`, ingestion is the same Python, writing the same DuckDB raw tables, and also
writes their rows as Hive-partitioned Parquet under the raw-layer location; dbt builds the models
with dbt-spark on SPARK_MASTER_URL; alerts and exports read and write Spark tables (docs/spark.md).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pipelines.resources import ConfigurationError, Warehouse

DUCKDB, SPARK = "duckdb", "spark"
ENGINES = (DUCKDB, SPARK)
DEFAULT_MASTER = "local[*]"


def engine() -> str:
    value = (os.environ.get("SELLERHEALTH_ENGINE") or DUCKDB).strip().lower()
    if value not in ENGINES:
        raise ConfigurationError(
            f"SELLERHEALTH_ENGINE={value!r} is not an engine: set it to duckdb (the default) or spark"
        )
    return value


def is_spark() -> bool:
    return engine() == SPARK


def master_url() -> str:
    return os.environ.get("SPARK_MASTER_URL") or DEFAULT_MASTER


def spark_dir() -> Path:
    """Where the Spark engine keeps its Hive metastore and table files (SELLERHEALTH_SPARK_DIR).

    Default: `spark/` beside the DuckDB warehouse file.
    """
    configured = os.environ.get("SELLERHEALTH_SPARK_DIR")
    return Path(configured).resolve() if configured else Warehouse().resolved_path().parent / "spark"


def raw_path() -> Path:
    """The raw layer Spark reads: one folder per export, Hive partitions (SELLERHEALTH_RAW_PATH)."""
    configured = os.environ.get("SELLERHEALTH_RAW_PATH")
    return Path(configured).resolve() if configured else spark_dir() / "raw"


def published_marts_path() -> Path:
    """The marts of the last successful Spark run as Parquet (what the scorecard and report read)."""
    return spark_dir() / "published_marts"


def export_env() -> None:
    """Set the variables dbt's `spark` profile target reads, as absolute paths, for dbt's process."""
    os.environ["SELLERHEALTH_ENGINE"] = engine()
    os.environ["SELLERHEALTH_SPARK_DIR"] = str(spark_dir())
    os.environ["SELLERHEALTH_RAW_PATH"] = str(raw_path())
    os.environ["SPARK_MASTER_URL"] = master_url()


def session_conf() -> dict[str, str]:
    """The Spark settings of every sellerhealth session: the same as dbt_project/profiles.yml's target."""
    base = spark_dir()
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": f"{base}/tables",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={base}/metastore_db;create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={base}",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.shuffle.partitions": os.environ.get("SELLERHEALTH_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.executor.memory": os.environ.get("SELLERHEALTH_SPARK_EXECUTOR_MEMORY", "1g"),
        # the driver plans the queries; the largest, the outlook, plans within 1g (docs/spark.md)
        "spark.driver.memory": os.environ.get("SELLERHEALTH_SPARK_DRIVER_MEMORY", "1g"),
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
