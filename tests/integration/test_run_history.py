"""With DAGSTER_HOME set (as `make demo` and `make ui` set it), a run is recorded where the UI reads it."""

from __future__ import annotations

import shutil
from datetime import date

import dagster as dg

from pipelines.cli import run_pipeline
from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO

START, END = date(2026, 2, 1), date(2026, 2, 3)


def test_a_run_is_recorded_in_dagster_home_for_the_ui(bucket, warehouse_path, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    files = generate_exports(START, END, sellers=1, orders_per_day=5, marketplaces=("ATVPDKIKX0DER",), prefix="")
    upload(files, bucket.client, bucket.name)
    assert run_pipeline(START, END)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == "sellerhealth_run" and run.is_success
        metrics = instance.get_latest_materialization_event(dg.AssetKey(["marts", "seller_metrics_daily"]))
        published = instance.get_latest_materialization_event(dg.AssetKey(["marts", "published_warehouse"]))
        orders = instance.get_materialized_partitions(dg.AssetKey(["raw", "orders"]))
    assert metrics is not None and published is not None
    assert orders == {"2026-02-01", "2026-02-02", "2026-02-03"}
