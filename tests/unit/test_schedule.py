"""The nightly schedule's run requests, evaluated with Dagster's own test context."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._utils.schedules import cron_string_iterator

from pipelines.defs.alerts.schedules import HOUR_VARIABLE, TIMEZONE_VARIABLE, build_nightly_schedule
from pipelines.partitions import daily_partitions
from pipelines.resources import ConfigurationError


@dg.asset(partitions_def=daily_partitions)
def an_export() -> None:
    """Stands in for the ingestion assets: the job only needs to be partitioned like them."""


job = dg.define_asset_job("sellerhealth_run", partitions_def=daily_partitions)


def requests_at(schedule: dg.ScheduleDefinition, at: datetime) -> list[dg.RunRequest]:
    """The run requests of one tick, resolved against the job (partition tags, key validity) as the daemon does."""
    repository = dg.Definitions(assets=[an_export], jobs=[job], schedules=[schedule]).get_repository_def()
    context = dg.build_schedule_context(scheduled_execution_time=at, repository_def=repository)
    return list(schedule.evaluate_tick(context).run_requests or [])


def test_default_is_two_o_clock_utc_for_the_day_just_ended():
    schedule = build_nightly_schedule(job, environ={})
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "0 2 * * *",
        "UTC",
        "sellerhealth_run",
    )
    at = datetime(2026, 3, 5, 2, 0, tzinfo=ZoneInfo("UTC"))
    (request,) = requests_at(schedule, at)
    assert (request.partition_key, request.run_key) == ("2026-03-04", "nightly-2026-03-04")
    assert request.tags["sellerhealth/trigger"] == "nightly"
    assert request.tags["dagster/partition"] == "2026-03-04"


@pytest.mark.parametrize(
    ("timezone", "hour", "local_time", "partition"),
    [
        # 23:00 in Los Angeles on 4 March is 07:00 UTC on 5 March: the UTC day just ended is 4 March.
        ("America/Los_Angeles", "23", datetime(2026, 3, 4, 23, 0), "2026-03-04"),
        # 09:00 in Tokyo on 5 March is 00:00 UTC on 5 March: 4 March has just ended.
        ("Asia/Tokyo", "9", datetime(2026, 3, 5, 9, 0), "2026-03-04"),
        # 02:00 in Tokyo on 5 March is 17:00 UTC on 4 March: 4 March has not ended, 3 March is loaded.
        ("Asia/Tokyo", "2", datetime(2026, 3, 5, 2, 0), "2026-03-03"),
        # 02:00 in Berlin in summer (UTC+2) is 00:00 UTC.
        ("Europe/Berlin", "2", datetime(2026, 7, 10, 2, 0), "2026-07-09"),
    ],
)
def test_hour_and_time_zone_from_the_environment(timezone, hour, local_time, partition):
    schedule = build_nightly_schedule(job, environ={HOUR_VARIABLE: hour, TIMEZONE_VARIABLE: timezone})
    assert (schedule.cron_schedule, schedule.execution_timezone) == (f"0 {hour} * * *", timezone)
    (request,) = requests_at(schedule, local_time.replace(tzinfo=ZoneInfo(timezone)))
    assert request.partition_key == partition


def test_the_schedule_ticks_at_the_configured_local_hour():
    schedule = build_nightly_schedule(job, environ={HOUR_VARIABLE: "3", TIMEZONE_VARIABLE: "Europe/Berlin"})
    start = datetime(2026, 3, 27, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    times = cron_string_iterator(start, schedule.cron_schedule, schedule.execution_timezone)
    # Across the switch to summer time on 29 March: 03:00 local is 02:00 UTC before, 01:00 UTC after.
    assert [next(times).astimezone(ZoneInfo("UTC")).strftime("%m-%d %H:%M") for _ in range(3)] == [
        "03-28 02:00",
        "03-29 01:00",
        "03-30 01:00",
    ]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({HOUR_VARIABLE: "24"}, HOUR_VARIABLE),
        ({HOUR_VARIABLE: "two"}, HOUR_VARIABLE),
        ({TIMEZONE_VARIABLE: "Mars/Olympus"}, TIMEZONE_VARIABLE),
    ],
)
def test_bad_settings_name_the_variable(environ, message):
    with pytest.raises(ConfigurationError, match=message):
        build_nightly_schedule(job, environ=environ)


def test_registered_on_the_run_job_with_the_late_exports_sensor():
    from pipelines.definitions import RUN_JOB_NAME, defs

    assert defs.resolve_schedule_def("nightly").job_name == RUN_JOB_NAME
    assert defs.resolve_sensor_def("late_exports").job_name == RUN_JOB_NAME
