"""Counters of the robustness suite, filled by passing tests and printed by conftest.py."""

from __future__ import annotations

STATS = {"cases": 0, "faults": 0, "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0, "rows_lost": 0}


def record_case(rows_expected: int, rows_read: int, rows_loaded: int, rows_rejected: int) -> None:
    """One catalogue case passed: `rows_expected` is the count of data lines put into the file(s)."""
    STATS["cases"] += 1
    STATS["rows_read"] += rows_read
    STATS["rows_loaded"] += rows_loaded
    STATS["rows_rejected"] += rows_rejected
    STATS["rows_lost"] += rows_expected - rows_loaded - rows_rejected


def record_fault() -> None:
    STATS["faults"] += 1
