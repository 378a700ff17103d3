"""Every way of starting a run takes the warehouse's run lock: a CLI run and a Dagster-launched run at once.

The lock belongs to the warehouse resource (pipelines/resources.py), so `sellerhealth run` and a run
that Dagster launches (`dagster job execute`, as the daemon does for the schedule, the sensor, the UI
and backfills) exclude each other: whichever holds it first writes; the other stops before its first
step, naming the warehouse and the lock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO

START, END = date(2026, 1, 1), date(2026, 1, 3)
BIN = Path(sys.executable).parent
LOCK_MESSAGE = "is open for writing by another process"
HOLDING = "holding the run lock"


@pytest.fixture(scope="module")
def exports(s3_endpoint) -> str:
    name = f"sellerhealth-lock-{os.getpid()}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name)
    files = generate_exports(START, END, sellers=1, orders_per_day=15, marketplaces=("ATVPDKIKX0DER",), prefix="")
    upload(list(files), client, name)
    return name


class Process:
    """A command in its own process, its output collected as it comes."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True)
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 300) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if text in self.output:
                return True
            time.sleep(0.05)
        return text in self.output

    def wait(self, timeout: float = 900) -> int:
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return rc


def _env(warehouse: Path, bucket: str) -> dict[str, str]:
    skip = ("DAGSTER_HOME", "PUBLISHED_WAREHOUSE_PATH", "SELLER_EXPORTS_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    return {**env, "WAREHOUSE_PATH": str(warehouse), "SELLER_EXPORTS_BUCKET": bucket, "NO_COLOR": "1"}


def cli_run(env: dict[str, str]) -> Process:
    return Process([str(BIN / "sellerhealth"), "run", "--start", START.isoformat(), "--end", END.isoformat()], env)


def dagster_run(env: dict[str, str]) -> Process:
    """The run job launched by Dagster's own command line, over the same days."""
    tags = {
        "dagster/asset_partition_range_start": START.isoformat(),
        "dagster/asset_partition_range_end": END.isoformat(),
    }
    command = [str(BIN / "dagster"), "job", "execute", "-m", "pipelines.definitions", "-j", "sellerhealth_run"]
    return Process([*command, "--tags", json.dumps(tags)], env)


def _orders_loaded(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from raw.ingested_files where export = 'orders'").fetchone()[0]


@pytest.mark.parametrize("first", ["cli", "dagster"])
def test_a_cli_run_and_a_dagster_run_at_once_one_writes_the_other_is_refused(exports, tmp_path, first):
    warehouse = tmp_path / "w" / "seller_health.duckdb"
    env = _env(warehouse, exports)
    start_first, start_second = (cli_run, dagster_run) if first == "cli" else (dagster_run, cli_run)
    writer = start_first(env)
    try:
        assert writer.wait_for(HOLDING), writer.output[-3000:]
        # The writer is paused while it holds the lock, so the second run meets it however slowly
        # it starts on a loaded machine (a 3-day run can finish before `dagster` has imported).
        os.kill(writer.proc.pid, signal.SIGSTOP)
        try:
            refused = start_second(env)
            refused_rc = refused.wait()
            writer_still_running = writer.proc.poll() is None
        finally:
            os.kill(writer.proc.pid, signal.SIGCONT)
    finally:
        writer_rc = writer.wait()
    assert writer_rc == 0, writer.output[-3000:]
    assert refused_rc != 0, refused.output[-3000:]
    # refused while the writer was still at work, before any step of its own, with the lock's words
    assert writer_still_running
    assert LOCK_MESSAGE in refused.output and str(warehouse) in refused.output, refused.output[-3000:]
    assert "STEP_START" not in refused.output and "Started execution of step" not in refused.output
    if first == "dagster":
        assert refused_rc == 2 and f"error: the warehouse {warehouse} {LOCK_MESSAGE}" in refused.output
    # one writer: each of the 3 days' orders file loaded once, by the run that held the lock
    assert _orders_loaded(warehouse) == (END - START).days + 1
