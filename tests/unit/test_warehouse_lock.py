"""The message when another process holds the working warehouse: a reader is told to use the published copy."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from pipelines.resources import Warehouse, WarehouseLocked


def _hold(path, read_only: bool) -> subprocess.Popen:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}, read_only={read_only}); "
            "print('ok', flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ok"
    return holder


@pytest.mark.parametrize("read_only", [True, False])
def test_who_holds_the_warehouse_and_what_to_do(warehouse_path, read_only):
    warehouse_path.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse_path)).close()
    holder = _hold(warehouse_path, read_only)
    try:
        with pytest.raises(WarehouseLocked) as caught:
            with Warehouse().connect():
                pass
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert str(warehouse_path) in message and f"PID {holder.pid}" in message
    if read_only:
        assert "is open read-only by another process" in message
        assert str(Warehouse().published_path()) in message and "open for writing" not in message
    else:
        assert "is open for writing by another process" in message and "published" not in message
