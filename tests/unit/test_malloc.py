"""A loading process gives the large blocks it frees back to the system (pipelines/lib/malloc.py).

Each case runs in a fresh Python, since glibc's settings are per process: it frees one 8 MB block
(by default glibc then serves blocks up to that size from its heaps), makes 32 blocks of 4 MB, then
frees every other one, 64 MB, and reports how much of that left the process's resident memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")

REPO = Path(__file__).resolve().parents[2]
FREED_MB = 64

PROBE = r"""
import json, os, sys
tuned = {}
if sys.argv[1] == "tuned":
    from pipelines.lib.malloc import tune_malloc
    tuned = tune_malloc()
def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024
first = b"\x01" * (8 * MB)
del first
blocks = [b"\x01" * (4 * MB) for _ in range(32)]
before = resident()
for i in range(0, 32, 2):
    blocks[i] = None
print(json.dumps({"tuned": tuned, "returned_mb": (before - resident()) / MB}))
"""


def probe(mode: str, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        env={**environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def test_without_tuning_the_freed_blocks_stay_with_the_process():
    # the problem the tuning solves: glibc's default keeps the 64 MB in its heap
    assert probe("plain")["returned_mb"] < FREED_MB / 4


def test_tuned_the_freed_blocks_go_back_to_the_system():
    result = probe("tuned")
    assert result["tuned"] == {"MALLOC_MMAP_THRESHOLD_": 1024 * 1024, "MALLOC_ARENA_MAX": 2}
    assert result["returned_mb"] >= FREED_MB * 0.9


def test_a_variable_the_operator_set_wins():
    # a threshold of 64 MB set in the environment: tune_malloc leaves it, the blocks stay
    result = probe("tuned", MALLOC_MMAP_THRESHOLD_=str(64 * 1024 * 1024))
    assert result["tuned"] == {"MALLOC_ARENA_MAX": 2}
    assert result["returned_mb"] < FREED_MB / 4


def test_glibc_tunables_leave_everything_to_the_operator():
    result = probe("tuned", GLIBC_TUNABLES="glibc.malloc.arena_max=4")
    assert result["tuned"] == {}
