"""The robustness suite's figures: cases tried, faults injected, rows lost, printed after the run.

Tests record into `STATS` when they pass (the record call is their last line); `pytest_terminal_summary`
prints the block that `make robustness` shows.
"""

from __future__ import annotations

from tests.robustness.stats import STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not (STATS["cases"] or STATS["faults"]):
        return
    write = terminalreporter.write_line
    terminalreporter.section("sellerhealth robustness")
    write(f"bad-input cases tried:   {STATS['cases']}")
    write(f"faults injected:         {STATS['faults']}")
    write(
        f"rows read / loaded / kept aside: {STATS['rows_read']:,} / {STATS['rows_loaded']:,} / "
        f"{STATS['rows_rejected']:,}"
    )
    write(f"rows lost:               {STATS['rows_lost']}")
