"""The metric catalogue, `dbt_project/seeds/metric_catalog.csv`, as Python reads it.

One row per metric: its channels and windows (its series), its lag, its unit, where it comes in
the scorecard and the report, its plain name and a one-line description. dbt loads the same file
as the seed `marts.metric_catalog`; targets stay in `seeds/metric_targets.csv`.
docs/metric-catalog.md says how to add a metric.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_PATH = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "metric_catalog.csv"
COLUMNS = ("metric", "channels", "windows", "lag_days", "unit", "display_order", "plain_name", "description")
CHANNELS = ("MFN", "AFN", "ALL")
FRACTION = "fraction"  # the unit of a rate: printed as a percentage


class CatalogError(ValueError):
    """A row of the catalogue that cannot be read: names the file, the line and the column."""


@dataclass(frozen=True)
class MetricEntry:
    metric: str
    channels: tuple[str, ...]
    windows: tuple[int, ...]
    lag_days: int
    unit: str
    display_order: int
    plain_name: str
    description: str

    @property
    def series(self) -> tuple[tuple[str, int], ...]:
        """(fulfillment channel, window days) of every series of the metric."""
        return tuple((channel, window) for channel in self.channels for window in self.windows)


def _integer(text: str, path: Path, line: int, column: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CatalogError(f"{path}, line {line}, column {column}: {text!r} is not a whole number") from None


def read_catalog(path: Path = CATALOG_PATH) -> tuple[MetricEntry, ...]:
    """Every metric of the catalogue at `path`, in display order."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CatalogError(f"{path}, line 1: the columns must be {', '.join(COLUMNS)}")
        entries = []
        for row in reader:
            line = reader.line_num
            if None in row or any(value is None for value in row.values()):
                raise CatalogError(f"{path}, line {line}: expected {len(COLUMNS)} columns")
            channels = tuple(row["channels"].split())
            unknown = [c for c in channels if c not in CHANNELS]
            if not channels or unknown:
                raise CatalogError(f"{path}, line {line}, column channels: {row['channels']!r} is not MFN, AFN or ALL")
            windows = tuple(_integer(w, path, line, "windows") for w in row["windows"].split())
            if not windows or min(windows) < 1:
                problem = f"{row['windows']!r} has no window of 1 day or more"
                raise CatalogError(f"{path}, line {line}, column windows: {problem}")
            entries.append(
                MetricEntry(
                    metric=row["metric"].strip(),
                    channels=channels,
                    windows=windows,
                    lag_days=_integer(row["lag_days"], path, line, "lag_days"),
                    unit=row["unit"].strip(),
                    display_order=_integer(row["display_order"], path, line, "display_order"),
                    plain_name=row["plain_name"].strip(),
                    description=row["description"].strip(),
                )
            )
    names = [e.metric for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CatalogError(f"{path}, column metric: {', '.join(duplicates)} listed more than once")
    return tuple(sorted(entries, key=lambda e: (e.display_order, e.metric)))


@cache
def catalog() -> tuple[MetricEntry, ...]:
    """The project's catalogue, read once per process."""
    return read_catalog()


def series(entries: tuple[MetricEntry, ...] | None = None) -> set[tuple[str, str, int]]:
    """(metric, channel, window) of every series of the catalogue."""
    return {(e.metric, c, w) for e in (catalog() if entries is None else entries) for c, w in e.series}
