"""The one Definitions object: ingestion, dbt, alerts and publishing assets, the run job, its triggers.

Built from the settings when Dagster loads the code location (`load_definitions`, found by `dagster
dev`, the daemon and `dagster job execute`), not when this module is imported. `sellerhealth run`
builds it without the schedule and the sensor (`build_definitions(settings, triggers=False)`), so a
wrong schedule setting stops the code location's load with the variable's name, never a run.
"""

from __future__ import annotations

import functools

import dagster as dg

from pipelines.defs.alerts.assets import alerts
from pipelines.defs.alerts.schedules import build_nightly_schedule
from pipelines.defs.ingest.assets import build_ingest_assets
from pipelines.defs.ingest.sensors import build_late_exports_sensor
from pipelines.defs.notify.assets import Notifications, alert_notifications, notification_delivery
from pipelines.defs.publish.assets import build_published_warehouse_asset, last_assets
from pipelines.defs.transform.assets import dbt_models, dbt_resource
from pipelines.lib.malloc import tune_malloc
from pipelines.partitions import daily_partitions_for
from pipelines.resources import S3Exports, Warehouse
from pipelines.settings import Settings

# Runs of this job write the warehouse; dagster.yaml lets one such run at a time out of the queue.
WAREHOUSE_WRITER_TAG = "sellerhealth/warehouse"

RUN_JOB_NAME = "sellerhealth_run"
RUN_JOB_DESCRIPTION = (
    "One run over a range of export days (partitions, one per dt): ingest every export from S3, "
    "build the dbt models, update marts.alerts, then publish the read-only copy for BI tools. "
    "Started nightly by the schedule, by the late-exports sensor, or by `sellerhealth run`."
)


@functools.cache
def build_definitions(settings: Settings, triggers: bool = True) -> dg.Definitions:
    """The definitions; `triggers`: with the nightly schedule and the late-exports sensor."""
    partitions = daily_partitions_for(settings)
    warehouse_assets = [
        *build_ingest_assets(partitions),
        dbt_models,
        alerts,
        alert_notifications,
        notification_delivery,
    ]
    # Published last: only when every other step of the run succeeded.
    published_warehouse = build_published_warehouse_asset(last_assets(warehouse_assets))
    # One run over a range of export days: ingest every export, build every model, update the
    # alerts, record and send their changes (docs/notifications.md), publish.
    run_job = dg.define_asset_job(
        RUN_JOB_NAME,
        selection=dg.AssetSelection.all(),
        partitions_def=partitions,
        tags={WAREHOUSE_WRITER_TAG: "writer"},
        description=RUN_JOB_DESCRIPTION,
    )
    return dg.Definitions(
        assets=[*warehouse_assets, published_warehouse],
        jobs=[run_job],
        schedules=[build_nightly_schedule(run_job, settings)] if triggers else [],
        sensors=[build_late_exports_sensor(run_job)] if triggers else [],
        resources={
            "s3": S3Exports(),
            "warehouse": Warehouse(),
            "dbt": dbt_resource(),
            "notifications": Notifications(),
        },
        # DuckDB allows one writer: steps run one after another in the run's own process, which also
        # saves the multiprocess executor's start-up per step.
        executor=dg.in_process_executor,
    )


@dg.definitions
def load_definitions() -> dg.Definitions:
    """What Dagster loads (workspace.yaml, pyproject.toml): the definitions of the current settings.

    Also in the process of a run Dagster launches: glibc's allocator set up for loading
    (pipelines/lib/malloc.py), as `sellerhealth` does.
    """
    tune_malloc()
    return build_definitions(Settings.from_env())


def __getattr__(name: str) -> dg.Definitions:
    # `from pipelines.definitions import defs`: built on first use, from the settings of that moment.
    if name == "defs":
        return load_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
