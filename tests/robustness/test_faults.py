"""Faults: `sellerhealth run` as a real subprocess (as cron runs it) over ten generated days, broken on purpose.

After each fault the warehouse is consistent and the next run heals it: its content hash (every table,
row for row, run-time columns left out) equals the hash of a clean run's warehouse.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import BotoCoreError, ClientError

from pipelines.lib.local_s3 import _moto_command, free_port, local_s3_env
from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO
from tests.robustness.hashing import table_hashes
from tests.robustness.stats import record_fault

START, END = date(2026, 1, 1), date(2026, 1, 10)
SELLERHEALTH = str(Path(sys.executable).parent / "sellerhealth")
LOCK_MESSAGE = "is open for writing by another process"


@pytest.fixture(scope="module")
def dataset():
    return list(generate_exports(START, END, sellers=1, orders_per_day=15, marketplaces=("ATVPDKIKX0DER",), prefix=""))


_buckets = itertools.count()


@pytest.fixture(scope="module")
def exports(s3_endpoint, dataset) -> str:
    """A bucket holding the generated exports, shared by the module's tests; its name."""
    name = f"sellerhealth-faults-{os.getpid()}-{next(_buckets)}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name)
    upload(dataset, client, name)
    return name


class Run:
    """`sellerhealth run --start .. --end ..` in its own process, its output collected line by line."""

    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [SELLERHEALTH, "run", "--start", START.isoformat(), "--end", END.isoformat()],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float = 600) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output:
                return True
            if self.proc.poll() is not None:
                return text in self.output
            time.sleep(0.02)
        return False

    def wait(self, timeout: float = 900) -> int:
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return rc

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reader.join(timeout=10)


def run_env(warehouse: Path, **extra: str) -> dict[str, str]:
    skip = ("DAGSTER_HOME", "PUBLISHED_WAREHOUSE_PATH", "SELLER_EXPORTS_PREFIX")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(WAREHOUSE_PATH=str(warehouse), NO_COLOR="1", **extra)
    return env


def run(warehouse: Path, bucket: str, **extra: str) -> Run:
    return Run(run_env(warehouse, SELLER_EXPORTS_BUCKET=bucket, **extra))


def run_ok(warehouse: Path, bucket: str) -> dict[str, str]:
    r = run(warehouse, bucket)
    assert r.wait() == 0, r.output[-3000:]
    return table_hashes(warehouse)


@pytest.fixture(scope="module")
def clean(exports, tmp_path_factory) -> Path:
    """The folder of a clean run's warehouse (and its published copy) over the module's bucket."""
    folder = tmp_path_factory.mktemp("clean")
    run_ok(folder / "seller_health.duckdb", exports)
    return folder


@pytest.fixture(scope="module")
def clean_hash(clean) -> dict[str, str]:
    return table_hashes(clean / "seller_health.duckdb")


def test_two_clean_runs_give_identical_tables(exports, tmp_path, clean, clean_hash):
    assert run_ok(tmp_path / "again" / "seller_health.duckdb", exports) == clean_hash
    assert {"raw.orders", "marts.seller_metrics_daily", "marts.alerts"} <= set(clean_hash)
    published = table_hashes(clean / "seller_health_published.duckdb")
    assert published_view(published, clean_hash) == published_view(clean_hash)


def descendants(pid: int) -> list[int]:
    """Every living process started by `pid`, its children's children included (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a dead process nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# SELLERHEALTH_KILL_REPEAT=20 runs each kill that many times in a row (flakiness hunt).
KILL_REPEAT = int(os.environ.get("SELLERHEALTH_KILL_REPEAT", "1"))


@pytest.mark.parametrize("attempt", range(KILL_REPEAT))
@pytest.mark.parametrize(
    "phase, marker",
    [
        ("ingestion", "orders: "),
        ("dbt build", "Running dbt command"),
        ("alerts update", "alerts, "),
    ],
)
def test_sigkill_then_rerun_heals(phase, marker, attempt, exports, tmp_path, clean_hash):
    warehouse = tmp_path / "killed" / "seller_health.duckdb"
    r = run(warehouse, exports)
    assert r.wait_for(marker), f"never reached the {phase}: {r.output[-3000:]}"
    children = descendants(r.proc.pid)
    if phase == "dbt build":
        assert children, "the dbt build runs in a child process: it should exist now"
    r.kill()
    assert r.proc.returncode == -signal.SIGKILL
    # No waiting: the run's children (the dbt build) die with it, so a rerun started at once
    # finds the warehouse free.
    again = run(warehouse, exports)
    assert again.wait() == 0, again.output[-3000:]
    assert table_hashes(warehouse) == clean_hash
    assert [pid for pid in children if alive(pid)] == []
    record_fault()


def test_a_locked_warehouse_fails_naming_the_lock(exports, tmp_path):
    warehouse = tmp_path / "locked" / "seller_health.duckdb"
    warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(warehouse)!r}); print('ok', flush=True); time.sleep(300)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        r = run(warehouse, exports)
        assert r.wait() == 2, r.output[-3000:]  # a refusal, not a failure of the run (docs/robustness.md)
        assert LOCK_MESSAGE in r.output and str(warehouse) in r.output, r.output[-3000:]
    finally:
        holder.kill()
        holder.wait()
    record_fault()


def test_two_runs_at_once_never_two_writers(exports, tmp_path, clean_hash):
    warehouse = tmp_path / "twice" / "seller_health.duckdb"
    first, second = run(warehouse, exports), run(warehouse, exports)
    codes = sorted([first.wait(), second.wait()])
    outputs = first.output + second.output
    # One run wins the lock; the other stops with the lock message (or, had it waited, also succeeded).
    assert codes[0] == 0, outputs[-3000:]
    assert codes == [0, 0] or LOCK_MESSAGE in outputs, outputs[-3000:]
    assert table_hashes(warehouse) == clean_hash
    record_fault()


def test_s3_endpoint_stops_mid_run(dataset, tmp_path, clean, clean_hash):
    """A private moto_server is stopped while the run ingests: clear failure, published warehouse unchanged."""
    warehouse = tmp_path / "stopped" / "seller_health.duckdb"
    shutil.copytree(clean, warehouse.parent)
    published = warehouse.parent / "seller_health_published.duckdb"
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen(
        [*_moto_command(), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        env = local_s3_env(endpoint)
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env["AWS_DEFAULT_REGION"],
        )
        for _ in range(300):
            try:
                client.create_bucket(Bucket="private")
                break
            except (BotoCoreError, ClientError):
                time.sleep(0.1)
        upload(dataset, client, "private")
        r = run(warehouse, "private", **env)
        # The first export's progress line: ingestion has begun; the endpoint dies at once.
        assert r.wait_for(" rows loaded, "), r.output[-3000:]
    finally:
        moto.kill()
        moto.wait()
    assert r.wait() != 0
    assert "run failed" in r.output, r.output[-3000:]
    named = [line for line in r.lines if line.startswith("FAILED") and "export " in line and "day" in line]
    assert named, r.output[-3000:]
    # The published file is untouched. The working file: each export's ingestion is one transaction,
    # so it holds the previous warehouse with some exports reloaded from the same bytes: equal content.
    assert published_view(table_hashes(published), clean_hash) == published_view(clean_hash)
    assert table_hashes(warehouse) == clean_hash
    record_fault()


def _small_tmpfs(path: Path) -> bool:
    if shutil.which("mount") is None:
        return False
    path.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def test_disk_full_fails_naming_the_cause(exports, tmp_path):
    disk = tmp_path / "tiny"
    if not _small_tmpfs(disk):
        pytest.skip("cannot mount a 2 MB tmpfs here (needs root and mount); disk-full is not simulated")
    try:
        warehouse = disk / "seller_health.duckdb"
        r = run(warehouse, exports)
        assert r.wait() != 0
        assert "No space left on device" in r.output, r.output[-3000:]
        record_fault()
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


def published_view(hashes: dict[str, str], working: dict[str, str] | None = None) -> dict[str, str]:
    """The base tables readers of the published copy see that the working file also has: raw and marts.

    dbt's internals stay in the working file; the mart views become tables in the published copy only.
    """
    keep = working if working is not None else hashes
    return {name: digest for name, digest in hashes.items() if name in keep and name.split(".")[0] in ("raw", "marts")}
