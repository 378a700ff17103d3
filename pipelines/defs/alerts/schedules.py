"""The nightly schedule: each night, one run of `sellerhealth_run` for the UTC day that just ended.

The run ingests that day's exports, rebuilds the dbt models, updates `marts.alerts` and publishes
the warehouse. The hour and time zone come from `SELLERHEALTH_NIGHTLY_HOUR` (default 2) and
`SELLERHEALTH_TIMEZONE` (default UTC). A schedule's cron string is part of its definition, so they
are read when the definitions load (not by `sellerhealth run`, which needs no schedule): after a
change, reload the code location (the UI's "Reload" button, or restart `make ui`).

The partition is the latest UTC day that has ended when the run starts. In a time zone ahead of UTC
an early hour comes before the UTC day ends (02:00 in Tokyo is 17:00 UTC the day before), and the
run then loads the day before that; pick an hour after UTC midnight (Tokyo: 09:00 or later).
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from pipelines.settings import ConfigurationError, Settings

NIGHTLY_SCHEDULE_NAME = "nightly"
HOUR_VARIABLE = "SELLERHEALTH_NIGHTLY_HOUR"
TIMEZONE_VARIABLE = "SELLERHEALTH_TIMEZONE"
# the defaults: pipelines/settings.py
DEFAULT_HOUR = int(Settings.nightly_hour)
DEFAULT_TIMEZONE = Settings.timezone
TRIGGER_TAG = "sellerhealth/trigger"


def nightly_settings(environ: Mapping[str, str]) -> tuple[int, str]:
    """(hour, time zone) of the nightly run, checked, from the environment."""
    text = environ.get(HOUR_VARIABLE, "").strip() or str(DEFAULT_HOUR)
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise ConfigurationError(f"{HOUR_VARIABLE}={text!r}: set it to an hour from 0 to 23")
    timezone = environ.get(TIMEZONE_VARIABLE, "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{TIMEZONE_VARIABLE}={timezone!r} is not a time zone: use an IANA name like UTC or Europe/Berlin"
        ) from None
    return int(text), timezone


def day_just_ended(at: datetime) -> date:
    """The latest UTC day that has ended at the instant `at`."""
    return at.astimezone(UTC).date() - timedelta(days=1)


def build_nightly_schedule(
    job: UnresolvedAssetJobDefinition, settings: Settings | None = None, environ: Mapping[str, str] | None = None
) -> dg.ScheduleDefinition:
    settings = settings or Settings.from_env(environ)
    hour, timezone = nightly_settings({HOUR_VARIABLE: settings.nightly_hour, TIMEZONE_VARIABLE: settings.timezone})

    @dg.schedule(
        job=job,
        name=NIGHTLY_SCHEDULE_NAME,
        cron_schedule=f"0 {hour} * * *",
        execution_timezone=timezone,
        description=(
            f"Every day at {hour:02d}:00 {timezone}: ingest the UTC day that just ended, rebuild the models, "
            f"update marts.alerts, publish. Set by {HOUR_VARIABLE} and {TIMEZONE_VARIABLE} (read on reload)."
        ),
    )
    def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = day_just_ended(context.scheduled_execution_time)
        return dg.RunRequest(
            run_key=f"nightly-{day.isoformat()}",
            partition_key=day.isoformat(),
            tags={TRIGGER_TAG: NIGHTLY_SCHEDULE_NAME},
        )

    return nightly
