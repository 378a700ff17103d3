"""The daily partitions every ingestion asset shares: one per export day `dt` (UTC)."""

import dagster as dg

# Real exports go back years (the real feedback file in tests is from 2011); partitions are cheap.
FIRST_PARTITION = "2010-01-01"

# end_offset=1: the current UTC day is a partition too, so files landing today can be loaded today.
daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_PARTITION, timezone="UTC", end_offset=1)
