"""The daily partitions every ingestion asset shares: one per export day `dt` (UTC).

They start on `SELLERHEALTH_FIRST_DAY` (default 2025-01-01, close to the data, so that the Dagster
UI does not list thousands of empty days). Set it to your first export day before the first run,
in the environment of `sellerhealth run` and of `make ui` alike (docs/operations.md).
"""

import os
from datetime import date

import dagster as dg

FIRST_DAY_VARIABLE = "SELLERHEALTH_FIRST_DAY"
DEFAULT_FIRST_PARTITION = "2025-01-01"


def first_partition(environ=os.environ) -> str:
    text = environ.get(FIRST_DAY_VARIABLE) or DEFAULT_FIRST_PARTITION
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError(f"{FIRST_DAY_VARIABLE}={text!r} is not a date like 2025-01-01") from None


FIRST_PARTITION = first_partition()

# end_offset=1: the current UTC day is a partition too, so files landing today can be loaded today.
daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_PARTITION, timezone="UTC", end_offset=1)
