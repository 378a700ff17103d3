"""Freshness: a seller whose files stopped arriving shows as a failed check naming it (docs/freshness.md)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.defs.ingest.assets import FRESHNESS_CHECK, ingest_assets
from pipelines.lib.warehouse import ensure_raw_tables
from pipelines.resources import S3Exports, Warehouse
from tests.conftest import REPO
from tests.integration.test_end_to_end import BIN
from tests.integration.test_ingest import DE, US, key, order_row, orders_file

DAYS = ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
FEEDBACK_HEADER = b"Date\tRating\tOrder ID\n"


def _run(first: str, last: str):
    assets = [a for a in ingest_assets if a.key.path[-1] in ("orders", "feedback")]
    result = dg.materialize(
        assets,
        resources={"s3": S3Exports(), "warehouse": Warehouse()},
        tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
    )
    assert result.success
    return {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK}


def test_a_seller_whose_orders_stop_two_days_early_fails_the_check_by_name(bucket, warehouse_path):
    for day in DAYS:
        bucket.put(key(seller="A2SELLER1X", marketplace=US, dt=day), orders_file(order_row(f"111-{day[-1]}")))
        bucket.put(key(seller="A2SELLER1X", marketplace=DE, dt=day), orders_file(order_row(f"302-{day[-1]}")))
        # feedback: header-only files every day for both sellers, a feed with no rows is not stale
        for seller in ("A2SELLER1X", "A3SELLER2Y"):
            bucket.put(key("feedback", seller=seller, dt=day), FEEDBACK_HEADER)
    # the second seller's orders stop after 03-03: two days before the other feeds' 03-05
    for day in DAYS[:3]:
        bucket.put(key(seller="A3SELLER2Y", marketplace=US, dt=day), orders_file(order_row(f"222-{day[-1]}")))

    checks = _run(DAYS[0], DAYS[-1])

    orders = checks["orders"]
    assert orders.passed is False
    assert orders.severity == dg.AssetCheckSeverity.ERROR
    assert orders.metadata["feeds_behind"].value == 1
    assert orders.metadata["max_days_behind"].value == 2
    assert orders.metadata["export_latest_dt"].value == "2026-03-05"
    named = orders.metadata["behind"].value
    assert "orders: seller A3SELLER2Y, marketplace ATVPDKIKX0DER: last file dt=2026-03-03, 2 days behind" in named
    assert "A2SELLER1X" not in named
    assert checks["feedback"].passed is True


def test_one_day_behind_warns_and_catching_up_passes(bucket, warehouse_path):
    for day in DAYS[:3]:
        bucket.put(key(seller="A2SELLER1X", dt=day), orders_file(order_row(f"111-{day[-1]}")))
    for day in DAYS[:2]:
        bucket.put(key(seller="A3SELLER2Y", dt=day), orders_file(order_row(f"222-{day[-1]}")))
    checks = _run(DAYS[0], DAYS[2])
    assert checks["orders"].passed is False
    assert checks["orders"].severity == dg.AssetCheckSeverity.WARN
    assert "seller A3SELLER2Y" in checks["orders"].metadata["behind"].value
    assert "1 day behind" in checks["orders"].metadata["behind"].value

    # the late file lands: the next run of that day finds every feed up to date
    bucket.put(key(seller="A3SELLER2Y", dt=DAYS[2]), orders_file(order_row("222-3")))
    checks = _run(DAYS[2], DAYS[2])
    assert checks["orders"].passed is True
    assert checks["orders"].metadata["feeds_behind"].value == 0


def _source_freshness(warehouse_path, tmp_path):
    """`dbt source freshness` as docs/freshness.md says to run it; the statuses from sources.json."""
    project = REPO / "dbt_project"
    env = dict(os.environ, WAREHOUSE_PATH=str(warehouse_path))
    run = subprocess.run(
        [
            str(BIN / "dbt"),
            "source",
            "freshness",
            "--no-use-colors",
            "--profiles-dir",
            str(project),
            "--project-dir",
            str(project),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = json.loads((tmp_path / "target" / "sources.json").read_text())["results"]
    return run.returncode, {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results}


@pytest.mark.parametrize(
    ("days_ago", "status", "exit_code"),
    [(1, "pass", 0), (2, "warn", 0), (4, "error", 1)],  # newest dt 24-48 h old, 48-72 h (one night missed), > 72 h
)
def test_dbt_source_freshness_on_the_newest_export_day(warehouse_path, tmp_path, days_ago, status, exit_code):
    newest = datetime.now(UTC).date() - timedelta(days=days_ago)
    warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(warehouse_path)) as con:
        ensure_raw_tables(con)
        con.execute(
            "insert into raw.ingested_files values ('orders', 'A2SELLER1X', ?, ?, 'k', 'e', 1, 'utf-8', "
            "'LOADED', 1, 1, 0, null, now())",
            [US, newest],
        )
        con.execute(
            "insert into raw.orders (seller_id, marketplace_id, dt, _source_key, _etag, _line_number, _loaded_at) "
            "values ('A2SELLER1X', ?, ?, 'k', 'e', 2, now())",
            [US, newest],
        )
    code, statuses = _source_freshness(warehouse_path, tmp_path)
    assert statuses == {"orders": status, "ingested_files": status}
    assert code == exit_code


def test_only_the_exports_delivered_every_day_carry_the_check():
    """Claims, chargebacks, messages... have files only on days with records: a gap is no stopped feed."""
    carrying = {a.key.path[-1] for a in ingest_assets for spec in a.check_specs if spec.name == FRESHNESS_CHECK}
    assert carrying == {"orders", "feedback"}
