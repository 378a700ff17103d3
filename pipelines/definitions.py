"""The one Definitions object: ingestion assets, dbt assets, resources and the run job."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest.assets import ingest_assets
from pipelines.defs.transform.assets import dbt_models, dbt_resource
from pipelines.partitions import daily_partitions
from pipelines.resources import S3Exports, Warehouse

# One run over a range of export days: ingest every export, then build every model.
RUN_JOB_NAME = "sellerhealth_run"
run_job = dg.define_asset_job(RUN_JOB_NAME, selection=dg.AssetSelection.all(), partitions_def=daily_partitions)

defs = dg.Definitions(
    assets=[*ingest_assets, dbt_models],
    jobs=[run_job],
    resources={"s3": S3Exports(), "warehouse": Warehouse(), "dbt": dbt_resource()},
    # DuckDB allows one writer: steps run one after another in the run's own process, which also
    # saves the multiprocess executor's start-up per step.
    executor=dg.in_process_executor,
)
