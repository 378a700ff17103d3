"""Turning a table of record versions into the bytes of the daily export files.

A row goes to the file of the UTC day of its version instant (`Table.ts`), as docs/exports.md says.
File-level quirks of real exports are drawn per file from generators of their own (one per block
of days), so they never shift the simulated history and a day's quirks do not depend on the days
after it: timestamps in local time, `Z` or `+00:00`; ~1 in 5 files gzipped; for orders, ~1 in 10
files with CRLF line ends and a UTF-8 BOM, and the busiest days (more rows than
each of the four weeks before) in two parts.
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ._simulate import DAY, NEVER

BOM = b"\xef\xbb\xbf"
_EPOCH = date(1970, 1, 1)
# Days rendered together: bounds the memory of the formatted text (lines are ~300 bytes each).
_DAYS_PER_BLOCK = 31
# How timestamps are written, drawn per file: the marketplace's local offset mostly, sometimes UTC.
_STYLE_WEIGHTS = [0.8, 0.1, 0.1]  # local offset, "Z", "+00:00"
GZIP_SHARE = 0.2
CRLF_BOM_SHARE = 0.1
# An orders file comes in two parts when its day has more rows than each of the 28 days before.
SPLIT_TRAILING_DAYS = 28
QUIRK_DAYS = 28  # days drawn from one quirk generator


class Column:
    """A column resolved block by block, so a year of rows is never materialised as text at once.

    `base` holds the values (object array of str, or int64 instants with NEVER = empty); `index`
    maps each row to its base position (None: the base is row-aligned); `present` (row-aligned)
    blanks the rows where it is False.
    """

    def __init__(self, base: np.ndarray, index: np.ndarray | None = None, present: np.ndarray | None = None):
        self.base = base
        self.index = index
        self.present = present

    def take(self, rows: np.ndarray) -> np.ndarray:
        values = self.base[rows if self.index is None else self.index[rows]]
        if self.present is not None:
            values = np.where(self.present[rows], values, NEVER if values.dtype == np.int64 else "")
        return values


def const(value: str, n: int) -> Column:
    return Column(np.array([value], dtype=object), np.zeros(n, dtype=np.int8))


@dataclass
class Table:
    header: tuple[str, ...]
    ts: np.ndarray  # int64 instant of each row's version: decides the file (dt) the row is in
    columns: list[Column | np.ndarray]  # per header column; a plain array is row-aligned


def offset_suffix(offset_seconds: int) -> str:
    sign = "-" if offset_seconds < 0 else "+"
    minutes = abs(offset_seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


@functools.lru_cache(maxsize=16)
def _clock_texts(offset: int) -> np.ndarray:
    """The text "THH:MM:SS" plus suffix for every second of a day, per style (local offset, Z, +00:00)."""
    clocks = [f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
    return np.array([c + suffix for suffix in (offset_suffix(offset), "Z", "+00:00") for c in clocks], dtype=object)


def format_instants(values: np.ndarray, style: np.ndarray, offset: int) -> np.ndarray:
    """ISO-8601 strings with an offset, per row in its file's style; NEVER becomes the empty string.

    Built from a date lookup and a time-of-day lookup: several times faster than formatting each
    instant, which matters at a million rows per export and year.
    """
    out = np.full(len(values), "", dtype=object)
    filled = np.flatnonzero(values != NEVER)
    if filled.size == 0:
        return out
    row_style = style[filled]
    local = values[filled] + np.where(row_style == 0, offset, 0)
    days = local // DAY
    first = int(days.min())
    dates = np.array(
        [(_EPOCH + timedelta(days=d)).isoformat() for d in range(first, int(days.max()) + 1)], dtype=object
    )
    out[filled] = dates[days - first] + _clock_texts(offset)[row_style * DAY + (local - days * DAY)]
    return out


def money(values: np.ndarray, decimals: int) -> np.ndarray:
    """Minor units as decimal text (1999 -> "19.99"); formats each distinct amount once."""
    if len(values) == 0:
        return np.empty(0, dtype=object)
    uniq, inverse = np.unique(values, return_inverse=True)
    if decimals == 0:
        texts = [str(v) for v in uniq.tolist()]
    else:
        unit = 10**decimals
        texts = [f"{'-' if v < 0 else ''}{abs(v) // unit}.{abs(v) % unit:0{decimals}d}" for v in uniq.tolist()]
    return np.array(texts, dtype=object)[inverse]


def _quirks(n_days: int, quirk_rng: Callable[[int], np.random.Generator]) -> tuple[np.ndarray, ...]:
    """Per day: timestamp style, gzipped (per part), CRLF and BOM; drawn `QUIRK_DAYS` days at a time."""
    styles, gzipped, crlf = [], [], []
    for block in range(-(-n_days // QUIRK_DAYS)):
        rng = quirk_rng(block)
        styles.append(rng.choice(3, size=QUIRK_DAYS, p=_STYLE_WEIGHTS))
        gzipped.append(rng.random((QUIRK_DAYS, 2)) < GZIP_SHARE)
        crlf.append(rng.random(QUIRK_DAYS) < CRLF_BOM_SHARE)
    return tuple(np.concatenate(q)[:n_days] for q in (styles, gzipped, crlf))


def busy_days(sizes: np.ndarray) -> np.ndarray:
    """Days with at least 2 rows and more than on each of the `SPLIT_TRAILING_DAYS` days before (from
    the 8th day on): about 1 day in 20, more in the holiday rush; known on the day, whatever follows."""
    n = len(sizes)
    before = np.full(n, np.iinfo(np.int64).max)
    for d in range(7, n):
        before[d] = sizes[max(0, d - SPLIT_TRAILING_DAYS) : d].max()
    return (sizes >= 2) & (sizes > before)


def render_tsv(
    table: Table,
    *,
    t0: int,
    n_days: int,
    offset: int,
    quirk_rng: Callable[[int], np.random.Generator],
    first_day: int = 0,
    orders_quirks: bool = False,
    empty_days: bool = True,
) -> Iterator[tuple[int, str, bytes]]:
    """Yield (day index, file name, bytes) per day from `first_day` (index from t0's day) to the last;
    on days without rows a header-only file if `empty_days`. `quirk_rng(block)` gives the generator
    of the file quirks of days [block * QUIRK_DAYS, (block + 1) * QUIRK_DAYS)."""
    styles, gzipped, crlf = _quirks(n_days, quirk_rng)
    crlf &= orders_quirks

    ts = table.ts
    keep = np.flatnonzero((ts >= t0) & (ts < t0 + n_days * DAY))
    keep = keep[np.argsort(ts[keep], kind="stable")]
    day = (ts[keep] - t0) // DAY
    bounds = np.searchsorted(day, np.arange(n_days + 1))
    sizes = np.diff(bounds)
    split = busy_days(sizes) if orders_quirks else np.zeros(n_days, dtype=bool)
    header = "\t".join(table.header)

    for block_start in range(first_day, n_days, _DAYS_PER_BLOCK):
        block_end = min(block_start + _DAYS_PER_BLOCK, n_days)
        rows = keep[bounds[block_start] : bounds[block_end]]
        row_style = styles[day[bounds[block_start] : bounds[block_end]]]
        cols = []
        for col in table.columns:
            values = col.take(rows) if isinstance(col, Column) else col[rows]
            if values.dtype == np.int64:
                values = format_instants(values, row_style, offset)
            cols.append(values.tolist())
        lines = ["\t".join(fields) for fields in zip(*cols, strict=True)] if len(rows) else []
        base = bounds[block_start]
        for d in range(block_start, block_end):
            day_lines = lines[bounds[d] - base : bounds[d + 1] - base]
            if not day_lines and not empty_days:
                continue
            half = len(day_lines) // 2
            parts = [day_lines[:half], day_lines[half:]] if split[d] else [day_lines]
            eol = "\r\n" if crlf[d] else "\n"
            for p, part in enumerate(parts):
                body = (eol.join([header, *part]) + eol).encode("utf-8")
                if crlf[d]:
                    body = BOM + body
                name = f"part-{p:04d}.tsv"
                if gzipped[d, p]:
                    body = gzip.compress(body, compresslevel=6, mtime=0)  # 9 is twice as slow for ~4% less
                    name += ".gz"
                yield d, name, body
