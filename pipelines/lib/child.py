"""Children of a run die with it: `sellerhealth-dbt`, the `dbt` launcher of every run.

A run starts `dbt` (through dagster-dbt) as a child process that opens the warehouse for writing.
When the run is killed (SIGKILL from an operator, cron, the OOM killer), that child would keep
running and hold the warehouse until it finished, and a rerun started meanwhile would stop at the
lock. `sellerhealth-dbt` asks Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG, which
survives the exec below), makes sure the parent is not gone already, then becomes the real `dbt`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from pathlib import Path

PARENT_PID_VARIABLE = "SELLERHEALTH_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send `sig` to this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def parent_gone() -> bool:
    """The parent that set SELLERHEALTH_PARENT_PID died before `die_with_parent` took effect."""
    expected = os.environ.get(PARENT_PID_VARIABLE)
    return bool(expected) and str(os.getppid()) != expected


def mark_parent() -> None:
    """Name this process as the parent its `sellerhealth-dbt` children check for."""
    os.environ[PARENT_PID_VARIABLE] = str(os.getpid())


def dbt_main() -> None:
    """Entry point of `sellerhealth-dbt`: the `dbt` beside this Python, tied to the parent's life."""
    die_with_parent()
    if parent_gone():
        sys.exit(f"sellerhealth-dbt: the run that started it ({os.environ[PARENT_PID_VARIABLE]}) is gone")
    dbt = Path(sys.executable).parent / "dbt"
    executable = str(dbt) if dbt.exists() else "dbt"
    os.execvp(executable, [executable, *sys.argv[1:]])
