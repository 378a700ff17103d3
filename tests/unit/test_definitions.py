"""The Dagster graph as a user sees it in the UI: ingestion assets, dbt models downstream, checks."""

import dagster as dg

from pipelines.definitions import RUN_JOB_NAME, defs
from pipelines.lib.layout import EXPORTS


def _graph():
    return defs.resolve_asset_graph()


def test_one_daily_partitioned_single_run_asset_per_export():
    graph = _graph()
    for export in EXPORTS:
        node = graph.get(dg.AssetKey(["raw", export]))
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition), export
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), export


def test_every_metric_mart_is_downstream_of_the_exports_it_needs():
    graph = _graph()
    upstream = graph.get_ancestor_asset_keys(dg.AssetKey(["marts", "seller_metrics_daily"]))
    needed = set(EXPORTS) - {"account_health"}  # Amazon's own view is not an input of the recomputed metrics
    assert {dg.AssetKey(["raw", e]) for e in needed} <= upstream
    assert dg.AssetKey(["marts", "fct_orders"]) in graph.get_all_asset_keys()


def test_dbt_tests_and_ingestion_checks_are_asset_checks():
    checks = {(k.asset_key.to_user_string(), k.name) for k in _graph().asset_check_keys}
    assert ("raw/orders", "rows_reconcile") in checks
    assert ("raw/orders", "no_rejected_rows") in checks
    metric_checks = {name for key, name in checks if key == "marts/seller_metrics_daily"}
    assert any("accepted_values" in name for name in metric_checks)
    assert any("unique_combination_of_columns" in name for name in metric_checks)


def test_run_job_covers_every_asset():
    job = defs.resolve_job_def(RUN_JOB_NAME)
    in_job = {k for node in job.asset_layer.asset_graph.asset_nodes for k in [node.key] if node.is_executable}
    executable = {n.key for n in _graph().asset_nodes if n.is_executable}
    assert executable <= in_job


def test_the_alerts_asset_reads_the_episode_models_built_from_the_metrics():
    graph = _graph()
    episodes = dg.AssetKey(["intermediate", "int_alert_episodes"])
    latest_days = dg.AssetKey(["intermediate", "int_alert_latest_days"])
    assert graph.get(dg.AssetKey(["marts", "alerts"])).parent_keys == {episodes, latest_days}
    assert dg.AssetKey(["marts", "seller_metrics_daily"]) in graph.get_ancestor_asset_keys(episodes)
    assert dg.AssetKey(["intermediate", "int_amazon_alert_days"]) in graph.get_ancestor_asset_keys(episodes)
