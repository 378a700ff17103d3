"""Children of a run die with it: `sellerhealth-dbt`, the `dbt` launcher of every run.

A run starts `dbt` (through dagster-dbt) as a child process that opens the warehouse for writing.
When the run is killed (SIGKILL from an operator, cron, the OOM killer), that child would keep
running and hold the warehouse until it finished, and a rerun started meanwhile would stop at the
lock. `sellerhealth-dbt` asks Linux to kill it when its parent dies (prctl PR_SET_PDEATHSIG, which
survives the exec below), makes sure the parent is not gone already, then becomes the real `dbt`.

Its own leading flags `--sellerhealth-env NAME=VALUE` (`launcher_flags`) set variables in dbt's
environment only: the run's settings reach dbt's profile this way, and the parent's PID, without
a change to the environment of the run's own process. Given `SELLERHEALTH_WARM_DBT`, it hands the
build to the run's dbt process that imported dbt already (pipelines/lib/warm_dbt.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipelines.lib.warm_dbt import SOCKET_VARIABLE, hand_over

PARENT_PID_VARIABLE = "SELLERHEALTH_PARENT_PID"
ENV_FLAG = "--sellerhealth-env"
_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send `sig` to this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def parent_gone(environ: Mapping[str, str]) -> bool:
    """The parent named by SELLERHEALTH_PARENT_PID died before `die_with_parent` took effect."""
    expected = environ.get(PARENT_PID_VARIABLE)
    return bool(expected) and str(os.getppid()) != expected


def dbt_executable() -> str:
    """`sellerhealth-dbt` beside this Python, so runs work without an activated virtualenv (cron)."""
    launcher = Path(sys.executable).parent / "sellerhealth-dbt"
    return str(launcher) if launcher.exists() else "sellerhealth-dbt"


def launcher_flags(env: Mapping[str, str]) -> list[str]:
    """The flags that give `sellerhealth-dbt`'s dbt the variables `env`, with this process as its parent."""
    flags: list[str] = []
    for name, value in {PARENT_PID_VARIABLE: str(os.getpid()), **env}.items():
        flags += [ENV_FLAG, f"{name}={value}"]
    return flags


def split_launcher_flags(argv: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """(the variables of the leading `--sellerhealth-env` flags, the arguments for dbt)."""
    env: dict[str, str] = {}
    rest = list(argv)
    while len(rest) >= 2 and rest[0] == ENV_FLAG:
        name, _, value = rest[1].partition("=")
        env[name] = value
        rest = rest[2:]
    return env, rest


def dbt_main() -> None:
    """Entry point of `sellerhealth-dbt`: the `dbt` beside this Python, tied to the parent's life."""
    die_with_parent()
    extra, args = split_launcher_flags(sys.argv[1:])
    env = {**os.environ, **extra}
    if parent_gone(env):
        sys.exit(f"sellerhealth-dbt: the run that started it ({env[PARENT_PID_VARIABLE]}) is gone")
    warm = env.pop(SOCKET_VARIABLE, None)
    if warm:
        code = hand_over(warm, args, env)  # dbt already imported by the run's waiting process
        if code is not None:
            sys.exit(code)
    dbt = Path(sys.executable).parent / "dbt"
    executable = str(dbt) if dbt.exists() else "dbt"
    os.execvpe(executable, [executable, *args], env)
