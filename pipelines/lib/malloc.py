"""glibc's allocator set up for a loading process, so the memory a load frees goes back to the system.

A run's process downloads files of a few MB on several threads and frees them once read. glibc
serves such large blocks with their own mapping (given back at `free`) only until the first one is
freed: it then raises its threshold to that size and takes later ones from per-thread heaps, whose
freed holes it keeps. After a year's load the run's process kept about 0.76 GB beside dbt, of
which about 0.16 GB was such memory (docs/benchmark.md, memory). A fixed threshold of 1 MB and at
most two heaps (`mallopt`, the same as the variables `MALLOC_MMAP_THRESHOLD_=1048576` and
`MALLOC_ARENA_MAX=2`) keep that from happening; the time of a load did not change measurably.

`sellerhealth` calls `tune_malloc()` first thing, as do the workers of `sellerhealth ingest` and the
code location Dagster loads. A variable already set in the environment (`MALLOC_ARENA_MAX`,
`MALLOC_MMAP_THRESHOLD_`, or any `GLIBC_TUNABLES`) is the operator's choice and wins. Elsewhere than
Linux with glibc (musl, macOS) nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's malloc.h
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2

# (mallopt parameter, value, the environment variable that sets the same)
SETTINGS = (
    (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES, "MALLOC_MMAP_THRESHOLD_"),
    (M_ARENA_MAX, ARENA_MAX, "MALLOC_ARENA_MAX"),
)


def tune_malloc() -> dict[str, int]:
    """Apply SETTINGS that the environment leaves unset; return what was set (by variable name).

    Calling it again sets the same values again (mallopt takes them as often as it is given them).
    """
    tuned: dict[str, int] = {}
    if not sys.platform.startswith("linux") or "GLIBC_TUNABLES" in os.environ:
        return tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return tuned  # not glibc
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    for parameter, value, variable in SETTINGS:
        if variable not in os.environ and mallopt(parameter, value) == 1:
            tuned[variable] = value
    return tuned
