"""`make bench` keeps working: the whole benchmark at a tiny scale (no timing is asserted)."""

import json
import subprocess

from tests.conftest import REPO


def test_make_bench_at_tiny_scale_prints_the_table_and_writes_json(tmp_path):
    args = (
        f"--days 4 --orders-per-day 10 --short-days 2 --repeats 1 --no-double --no-spark --out {tmp_path} "
        "--ms-sellers 2 --ms-days 3 --ms-orders-per-day 5 --reader-days 3"
    )
    done = subprocess.run(
        ["make", "-s", "bench", f"BENCH_ARGS={args}"], cwd=REPO, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for line in (
        "1. floor",
        "2. backfill",
        "3. nightly",
        "4. nightly, short history",
        "fixed start-up",
        "where the time went",
        "backfill / floor",
        "nightly / backfill",
        "peak memory of the backfill",
        "many sellers: 2 sellers x 2 marketplaces, 3 days",
        "where a night went",
        "night / one large seller's night",
        "reader alone (3 All Orders files",
    ):
        assert line in done.stdout
    (written,) = tmp_path.glob("bench-*.json")
    figures = json.loads(written.read_text())
    assert figures["days"] == 4 and figures["files"] > 4 * 2
    # The reader alone: both readers read every row of the same 3 days of All Orders.
    reader = figures["reader"]
    assert reader["files"] == 3 and reader["columnar"]["rows"] == reader["pandas (before)"]["rows"] > 3 * 10
    for step in ("floor", "backfill", "nightly", "nightly_short_history"):
        assert figures[step]["seconds"] > 0
    assert figures["backfill"]["peak_rss_bytes"] > 50 * 2**20
    # the nights ran one after another, and their start-up and phases were timed
    assert figures["nightly"]["runs"] == 1 and figures["nightly"]["dbt_startup_seconds"] > 0
    assert set(figures["nightly"]["phases"]) == {"startup_and_ingest", "dbt", "alerts_and_publish"}
    assert set(figures["ratios"]) >= {"backfill / floor", "nightly / backfill", "nightly / nightly short history"}
    # the many-sellers scenario: 2 sellers x 2 marketplaces, three nights, each night's stages timed
    many = figures["many_sellers"]
    assert (many["sellers"], many["marketplaces"], many["days"]) == (2, 2, 3)
    assert many["files"] > 2 * 2 * 3 and many["backfill"]["seconds"] > 0 and many["nightly"]["runs"] == 3
    assert many["nightly"]["breakdown"]["dbt"] > 0 and many["nightly"]["breakdown"]["listing"] > 0
    assert {"startup", "listing", "download_wait", "read_and_check", "store", "alerts", "notify_and_publish"} <= set(
        many["nightly"]["breakdown"]
    )
