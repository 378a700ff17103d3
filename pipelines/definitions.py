"""The one Definitions object: ingestion, dbt, alerts and publishing assets, the run job, its triggers."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.alerts.assets import alerts
from pipelines.defs.alerts.schedules import build_nightly_schedule
from pipelines.defs.ingest.assets import ingest_assets
from pipelines.defs.ingest.sensors import build_late_exports_sensor
from pipelines.defs.notify.assets import Notifications, alert_notifications, notification_delivery
from pipelines.defs.publish.assets import build_published_warehouse_asset, last_assets
from pipelines.defs.transform.assets import dbt_models, dbt_resource
from pipelines.partitions import daily_partitions
from pipelines.resources import S3Exports, Warehouse

# Runs of this job write the warehouse; dagster.yaml lets one such run at a time out of the queue.
WAREHOUSE_WRITER_TAG = "sellerhealth/warehouse"

warehouse_assets = [*ingest_assets, dbt_models, alerts, alert_notifications, notification_delivery]
# Published last: only when every other step of the run succeeded.
published_warehouse = build_published_warehouse_asset(last_assets(warehouse_assets))

# One run over a range of export days: ingest every export, build every model, update the
# alerts, record and send their changes (docs/notifications.md), publish.
RUN_JOB_NAME = "sellerhealth_run"
run_job = dg.define_asset_job(
    RUN_JOB_NAME,
    selection=dg.AssetSelection.all(),
    partitions_def=daily_partitions,
    tags={WAREHOUSE_WRITER_TAG: "writer"},
    description=(
        "One run over a range of export days (partitions, one per dt): ingest every export from S3, "
        "build the dbt models, update marts.alerts, then publish the read-only copy for BI tools. "
        "Started nightly by the schedule, by the late-exports sensor, or by `sellerhealth run`."
    ),
)

defs = dg.Definitions(
    assets=[*warehouse_assets, published_warehouse],
    jobs=[run_job],
    schedules=[build_nightly_schedule(run_job)],
    sensors=[build_late_exports_sensor(run_job)],
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
