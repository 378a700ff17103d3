"""The daily partitions every ingestion asset shares: one per export day `dt` (UTC).

They start on `SELLERHEALTH_FIRST_DAY` (default 2025-01-01, close to the data, so that the Dagster
UI does not list thousands of empty days). Set it to your first export day before the first run,
in the environment of `sellerhealth run` and of `make ui` alike (docs/operations.md).
"""

import functools

import dagster as dg

from pipelines.settings import Settings

FIRST_DAY_VARIABLE = "SELLERHEALTH_FIRST_DAY"
DEFAULT_FIRST_PARTITION = Settings.first_day


def first_partition(environ=None) -> str:
    return Settings.from_env(environ).first_partition()


@functools.cache
def daily_partitions_from(first_day: str) -> dg.DailyPartitionsDefinition:
    # end_offset=1: the current UTC day is a partition too, so files landing today can be loaded today.
    return dg.DailyPartitionsDefinition(start_date=first_day, timezone="UTC", end_offset=1)


def daily_partitions_for(settings: Settings) -> dg.DailyPartitionsDefinition:
    return daily_partitions_from(settings.first_partition())


def __getattr__(name: str):
    # FIRST_PARTITION, daily_partitions: from the settings of the moment they are asked for, not at import.
    if name == "FIRST_PARTITION":
        return first_partition()
    if name == "daily_partitions":
        return daily_partitions_for(Settings.from_env())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
