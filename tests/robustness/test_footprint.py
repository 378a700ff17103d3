"""Disk: a night leaves one dbt target's worth of files, however many nights ran before.

dagster-dbt gives every dbt invocation a new `dbt_project/target/<unique>` folder (7.5 MB at the
default scale) and never removes it: 2.7 GB a year of nights. Ten `sellerhealth run`s in a row must
leave the same files as one: the same paths under `dbt_project/target` and beside the warehouse,
the same size of dbt files, and no growth from one night to the next.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import boto3

from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO

DAY = date(2026, 2, 2)
SELLERHEALTH = str(Path(sys.executable).parent / "sellerhealth")
TARGET = REPO / "dbt_project" / "target"


def in_use(folder: Path) -> bool:
    """A run target folder a living run (another test's, in another process) is building in: not left behind."""
    marker = folder / ".in-use"
    if not folder.name.startswith(("run-", ".old-")) or not marker.exists():
        return False
    fd = os.open(marker, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def footprint(*folders: Path) -> dict[str, int]:
    """Every file under `folders`: its path (relative, with the folder's name) and size in bytes."""
    files = {}
    for folder in folders:
        busy = [d for d in folder.iterdir() if d.is_dir() and in_use(d)]
        for path in folder.rglob("*"):
            if path.is_file() and not any(d in path.parents for d in busy):
                files[f"{folder.name}/{path.relative_to(folder)}"] = path.stat().st_size
    return files


def test_ten_runs_leave_the_footprint_of_one(s3_endpoint, tmp_path):
    bucket = f"sellerhealth-footprint-{os.getpid()}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    upload(generate_exports(DAY, DAY, sellers=1, orders_per_day=5, marketplaces=("ATVPDKIKX0DER",)), client, bucket)
    warehouse = tmp_path / "nights" / "seller_health.duckdb"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PUBLISHED_WAREHOUSE_PATH")}
    env.update(WAREHOUSE_PATH=str(warehouse), SELLER_EXPORTS_BUCKET=bucket, SELLER_EXPORTS_PREFIX="")
    # What a killed run leaves, and what earlier versions left after every run: removed by the next run.
    (TARGET / "dbt_models-0123456-abcdef0").mkdir(parents=True, exist_ok=True)
    (TARGET / "dbt_models-0123456-abcdef0" / "manifest.json").write_text("{}")

    sizes = []
    for night in range(10):
        done = subprocess.run(
            [SELLERHEALTH, "run", "--start", DAY.isoformat(), "--end", DAY.isoformat()],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        files = footprint(TARGET, warehouse.parent)
        if night == 0:
            first = files
        sizes.append(sum(files.values()))
    assert "target/dbt_models-0123456-abcdef0/manifest.json" not in first
    assert sorted(files) == sorted(first)
    target_sizes = [sum(v for k, v in f.items() if k.startswith("target/")) for f in (first, files)]
    # run_results.json and dbt.log differ by their timings; a new folder per run would add megabytes.
    assert abs(target_sizes[1] - target_sizes[0]) < 0.05 * target_sizes[0]
    # The warehouse file grows once, from the first (full) build to the incremental ones (30 MB to
    # 46 MB here), then stays flat: DuckDB reuses the blocks a night frees. No growth night after night.
    assert max(sizes[2:]) < 1.1 * sizes[1], sizes
