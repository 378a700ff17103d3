"""Every setting of sellerhealth in one object, read from the environment once when a run starts.

`Settings.from_env()` is the one place that reads the variables of docs/configuration.md; the
Dagster resources, the CLI and dbt use what it returns. dbt reads the same variables in
dbt_project/profiles.yml (`env_var`, same names, same defaults), and gets them through the
environment of its own process (`Settings.dbt_env`), never by a change to this process's
environment. Nothing here runs at import: a wrong value fails the run that reads it, with the
variable's name, not the import of the definitions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to set it."""


def _setting(variable: str, default: str, meaning: str):
    """A field read from `variable`; `default` is the text used when it is unset or empty."""
    return field(default=default, metadata={"variable": variable, "meaning": meaning})


DUCKDB, SPARK = "duckdb", "spark"
AUTO = "auto"
ENGINES = (DUCKDB, SPARK)


@dataclass(frozen=True)
class Settings:
    """The raw text of each setting (its default when unset), with the derived values as methods.

    Text, not parsed values: a field is checked when something uses it, so a bad nightly hour
    stops the schedule's definition, not a `sellerhealth run` that has no use for it.
    """

    exports_bucket: str = _setting("SELLER_EXPORTS_BUCKET", "", "bucket holding the exports")
    exports_prefix: str = _setting("SELLER_EXPORTS_PREFIX", "", "key prefix before `{export}/`")
    aws_endpoint_url: str = _setting("AWS_ENDPOINT_URL", "", "S3-compatible endpoint; unset means AWS")
    warehouse_path: str = _setting(
        "WAREHOUSE_PATH", "warehouse/seller_health.duckdb", "the DuckDB file the pipeline writes"
    )
    published_warehouse_path: str = _setting(
        "PUBLISHED_WAREHOUSE_PATH", "", "the read-only copy BI tools read; empty: beside the warehouse"
    )
    # Larger sorts, joins and windows spill to disk beside the warehouse; DuckDB's own default, 80%
    # of the machine, is no limit at all on a machine shared with other work.
    duckdb_memory_limit: str = _setting(
        "SELLERHEALTH_DUCKDB_MEMORY_LIMIT", "2GB", "DuckDB's memory for dbt's models, the alerts and publishing"
    )
    # Loading streams batches of a few tens of MB into DuckDB: more memory than this only let the
    # load's closing checkpoint hold the whole range (the run took 2.46 GB loading a year at 2GB).
    load_memory_limit: str = _setting(
        "SELLERHEALTH_LOAD_MEMORY_LIMIT", "512MB", "DuckDB's memory while loading the exports"
    )
    # dbt's threads on DuckDB: models built at once, each holding memory within that limit. `auto`:
    # one for a build that makes the per-record tables whole (the first run, a full refresh), whose
    # few large models each keep every core busy; two for a night's many small ones.
    dbt_threads: str = _setting(
        "SELLERHEALTH_DBT_THREADS", AUTO, "dbt's threads on DuckDB (models built at once); auto: 1 full, 2 nights"
    )
    nightly_hour: str = _setting("SELLERHEALTH_NIGHTLY_HOUR", "2", "the hour of the nightly run")
    timezone: str = _setting("SELLERHEALTH_TIMEZONE", "UTC", "the time zone of that hour")
    first_day: str = _setting("SELLERHEALTH_FIRST_DAY", "2025-01-01", "the first daily partition")
    notifications: str = _setting("SELLERHEALTH_NOTIFICATIONS", "", "notifications.yml; empty: nothing sent")
    notify_recent_days: str = _setting("SELLERHEALTH_NOTIFY_RECENT_DAYS", "2", "latest days whose changes are sent")
    engine: str = _setting("SELLERHEALTH_ENGINE", DUCKDB, "duckdb or spark")
    spark_master_url: str = _setting("SPARK_MASTER_URL", "local[*]", "the Spark master")
    spark_dir: str = _setting(
        "SELLERHEALTH_SPARK_DIR", "", "Spark's tables and metastore; empty: spark/ by the warehouse"
    )
    raw_path: str = _setting("SELLERHEALTH_RAW_PATH", "", "the Parquet raw layer; empty: raw/ in the Spark folder")
    spark_shuffle_partitions: str = _setting(
        "SELLERHEALTH_SPARK_SHUFFLE_PARTITIONS", "4", "spark.sql.shuffle.partitions"
    )
    spark_executor_memory: str = _setting("SELLERHEALTH_SPARK_EXECUTOR_MEMORY", "1g", "spark.executor.memory")
    spark_driver_memory: str = _setting("SELLERHEALTH_SPARK_DRIVER_MEMORY", "1g", "spark.driver.memory")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings in `environ` (default: this process's environment); unset or blank means the default."""
        environ = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            text = (environ.get(f.metadata["variable"]) or "").strip()
            if text:
                values[f.name] = text
        return cls(**values)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each setting's environment variable and its default text."""
        return {f.metadata["variable"]: f.default for f in fields(cls)}

    # ------------------------------------------------------------------ derived values, checked

    def bucket(self) -> str:
        if not self.exports_bucket:
            raise ConfigurationError("no bucket: set SELLER_EXPORTS_BUCKET to the bucket that holds the exports")
        return self.exports_bucket

    def warehouse(self) -> Path:
        return Path(self.warehouse_path).resolve()

    def published_warehouse(self, warehouse: Path | None = None) -> Path:
        """PUBLISHED_WAREHOUSE_PATH, else seller_health_published.duckdb beside `warehouse` (default: ours)."""
        # Absolute but not resolved: a symbolic link at the path is the path (publishing replaces
        # the link), never a way to reach and overwrite the file it points to.
        if self.published_warehouse_path:
            return Path(os.path.abspath(self.published_warehouse_path))
        return (warehouse or self.warehouse()).parent / "seller_health_published.duckdb"

    def engine_name(self) -> str:
        value = self.engine.lower()
        if value not in ENGINES:
            raise ConfigurationError(
                f"SELLERHEALTH_ENGINE={value!r} is not an engine: set it to duckdb (the default) or spark"
            )
        return value

    def spark_folder(self) -> Path:
        return Path(self.spark_dir).resolve() if self.spark_dir else self.warehouse().parent / "spark"

    def raw_folder(self) -> Path:
        return Path(self.raw_path).resolve() if self.raw_path else self.spark_folder() / "raw"

    def first_partition(self) -> str:
        try:
            return date.fromisoformat(self.first_day).isoformat()
        except ValueError:
            raise ValueError(f"SELLERHEALTH_FIRST_DAY={self.first_day!r} is not a date like 2025-01-01") from None

    def dbt_thread_count(self, full_build: bool = False) -> str:
        """dbt's threads for a build; `full_build`: it makes the per-record tables whole.

        `auto` gives 1 for a full build and 2 otherwise: on a year of a large seller a first build
        took 43.8 and 46.1 s with one thread against 53.8 and 63.5 s with two (its two largest models,
        built side by side, competed for the same cores), and a night 0.5 to 1.3 s more with one
        (docs/benchmark.md).
        """
        threads = self.dbt_threads.strip()
        if threads.lower() == AUTO:
            return "1" if full_build else "2"
        if not threads.isdigit() or int(threads) < 1:
            raise ConfigurationError(
                f"SELLERHEALTH_DBT_THREADS={self.dbt_threads!r} is not a number of threads: "
                f"set it to {AUTO} or to 1 or more"
            )
        return str(int(threads))

    def dbt_env(self, full_build: bool = False) -> dict[str, str]:
        """The variables dbt_project/profiles.yml reads, as this run resolved them (absolute paths).

        Given to dbt's process only; this process's environment is left as it is. `full_build`:
        the build makes the per-record tables whole (see `dbt_thread_count`).
        """
        env = {
            "SELLERHEALTH_ENGINE": self.engine_name(),
            "WAREHOUSE_PATH": str(self.warehouse()),
            "SELLERHEALTH_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "SELLERHEALTH_DBT_THREADS": self.dbt_thread_count(full_build),
        }
        if env["SELLERHEALTH_ENGINE"] == SPARK:
            env.update(
                SPARK_MASTER_URL=self.spark_master_url,
                SELLERHEALTH_SPARK_DIR=str(self.spark_folder()),
                SELLERHEALTH_RAW_PATH=str(self.raw_folder()),
                SELLERHEALTH_SPARK_SHUFFLE_PARTITIONS=self.spark_shuffle_partitions,
                SELLERHEALTH_SPARK_EXECUTOR_MEMORY=self.spark_executor_memory,
                SELLERHEALTH_SPARK_DRIVER_MEMORY=self.spark_driver_memory,
            )
        return env
