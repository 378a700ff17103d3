"""The daily partitions every ingestion asset shares: one per export day `dt` (UTC).

They start on `SELLERHEALTH_FIRST_DAY` (default 2025-01-01, close to the data, so that the Dagster
UI does not list thousands of empty days). Set it to your first export day before the first run,
in the environment of `sellerhealth run` and of `make ui` alike (docs/operations.md).
"""

import dagster as dg

from pipelines.settings import Settings

FIRST_DAY_VARIABLE = "SELLERHEALTH_FIRST_DAY"
DEFAULT_FIRST_PARTITION = Settings.first_day


def first_partition(environ=None) -> str:
    return Settings.from_env(environ).first_partition()


FIRST_PARTITION = first_partition()

# end_offset=1: the current UTC day is a partition too, so files landing today can be loaded today.
daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_PARTITION, timezone="UTC", end_offset=1)
