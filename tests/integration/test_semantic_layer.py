"""The MetricFlow semantic layer (docs/semantic-layer.md): `mf query` on a generated warehouse gives
the numbers of `marts.seller_metrics_daily`, row for row."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

import duckdb
import pytest

from tests.conftest import REPO
from tests.integration.test_end_to_end import BIN, generated, run_result  # noqa: F401 (fixtures)

METRICS = ("odr", "cancel_rate", "order_quality_score")
GROUP_BY = "metric_time__day,seller,marketplace,seller_metric__fulfillment_channel"


@pytest.fixture(scope="module")
def semantic_project(run_result, tmp_path_factory):  # noqa: F811 (the fixture imported above)
    """A scratch copy of the dbt project, parsed, over a copy of the generated warehouse."""
    warehouse, _ = run_result
    root = tmp_path_factory.mktemp("semantic")
    project = root / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    shutil.copy(warehouse, root / "seller_health.duckdb")
    env = dict(os.environ, WAREHOUSE_PATH=str(root / "seller_health.duckdb"), DBT_PROFILES_DIR=str(project))
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--no-use-colors"], cwd=project, env=env, capture_output=True, text=True
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return project, env, root / "seller_health.duckdb"


def _mf(project, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "mf"), *args], cwd=project, env=env, capture_output=True, text=True, timeout=600)


def _number(text: str) -> float | None:
    return None if text in ("", "None", "nan") else float(text)


def test_mf_query_gives_the_marts_values(semantic_project, tmp_path):
    project, env, warehouse = semantic_project
    out = tmp_path / "mf.csv"
    result = _mf(project, env, "query", "--metrics", ",".join(METRICS), "--group-by", GROUP_BY, "--csv", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    from_mf = {}
    for row in rows:
        key = (
            row["metric_time__day"][:10],
            row["seller"],
            row["marketplace"],
            row["seller_metric__fulfillment_channel"],
        )
        for metric in METRICS:
            from_mf[(*key, metric)] = _number(row[metric])

    with duckdb.connect(str(warehouse), read_only=True) as con:
        mart = {
            (str(day), seller, marketplace, channel, metric): value
            for day, seller, marketplace, channel, metric, value in con.execute(
                "select as_of_date, seller_id, marketplace_id, fulfillment_channel, metric, value "
                "from marts.seller_metrics_daily where metric in (?, ?, ?)",
                list(METRICS),
            ).fetchall()
        }
    # every row of the mart is in mf's answer, with the same value (NULL where the mart has none)
    # 2 sellers x 2 marketplaces x 30 days x (odr MFN and AFN, cancel_rate MFN, order_quality_score ALL)
    assert len(mart) == 2 * 2 * 30 * 4
    assert {k: v for k, v in mart.items() if v is not None}, "the generated data has values"
    assert any(v for (*_, m), v in mart.items() if m == "odr"), "and some order defects"
    for key, value in mart.items():
        assert key in from_mf, key
        if value is None:
            assert from_mf[key] is None, key
        else:
            assert from_mf[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    # and mf invents nothing: a combination the mart has no row for has no value
    assert all(v is None for k, v in from_mf.items() if k not in mart)


def test_a_ratio_over_marketplaces_pools_numerators_and_denominators(semantic_project, tmp_path):
    """Grouped by day and seller only, odr is the seller's defective orders over its orders, both
    marketplaces and channels together (not a mean of the rates)."""
    project, env, warehouse = semantic_project
    out = tmp_path / "pooled.csv"
    result = _mf(project, env, "query", "--metrics", "odr", "--group-by", "metric_time__day,seller", "--csv", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with out.open(newline="") as f:
        pooled = {(r["metric_time__day"][:10], r["seller"]): _number(r["odr"]) for r in csv.DictReader(f)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sums = con.execute(
            "select cast(as_of_date as varchar), seller_id, sum(numerator), sum(denominator) "
            "from marts.seller_metrics_daily where metric = 'odr' group by all having sum(denominator) > 0"
        ).fetchall()
    assert sums
    for day, seller, numerator, denominator in sums:
        assert pooled[(day, seller)] == pytest.approx(numerator / denominator), (day, seller)
