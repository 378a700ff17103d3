"""Deterministic, realistic synthetic exports for every export of docs/exports.md.

`generate_exports` simulates each seller x marketplace once, vectorised with numpy (every order and
every later event: shipping, cancellations, feedback, claims, chargebacks, returns, messages,
survey answers), then writes each record version into the file of the UTC day it happened on.
`upload` puts the files into S3 with a thread pool.

The history is realistic enough for every metric of docs/metrics.md: weekly and holiday
seasonality, ~60% seller-fulfilled orders, a December carrier backlog (Dec 10-20) that pushes late
shipments over 4% for every seller, an order defect rate around 0.5%, and a bad spell of the second
seller (index 1) from the 200th day of the history for 75 days that breaches the 1% ODR target.
Same arguments give byte-identical files: generators seeded from (seed, seller index, crc32 of the
marketplace id, and the block of days), no wall clock, gzip with mtime 0. A history is anchored to
its first day (`history_start`) and nothing about a day depends on later days, so generating
[D1, D2] and then [D2 + 1, D3] with `history_start=D1` writes exactly the files of [D1, D3] in one go.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, timedelta

from pipelines.lib.layout import EXPORTS, MARKETPLACES, build_key

from . import _account_health, _tables
from ._render import render_tsv
from ._simulate import rng_for, simulate
from ._vocab import MARKETS

__all__ = ["GeneratedFile", "generate_exports", "missing_day", "seller_ids", "upload"]

_ACCOUNT_HEALTH_STREAM = 100
_PROGRESS_EVERY = 500


@dataclass(frozen=True)
class GeneratedFile:
    key: str  # full S3 key, built with layout.build_key(prefix, export, seller_id, marketplace_id, dt, file)
    body: bytes  # the file's bytes exactly as uploaded (gzip-compressed when key ends with .gz)


# Amazon's scheduled reports arrive every day, header only when empty; the seller's own tools (shipping
# software, helpdesk) write a file only on days that have records.
SCHEDULED_REPORTS = frozenset({"orders", "feedback"})

# With `missing_export_day=True` (the demo), a day whose population exports never arrived, as
# happens to real sellers: the second seller's first marketplace has no orders and no mfn_shipments
# file on the 10th day before the end (only in histories of 4 weeks or more). Amazon's snapshots
# still count those orders, so the reconciliation shows PARTIAL coverage beside the disagreement it
# explains (docs/amazon-view.md).
MISSING_DAY_EXPORTS = frozenset({"orders", "mfn_shipments"})
MISSING_DAY_SELLER_INDEX = 1
MISSING_DAY_BEFORE_END = 10
MISSING_DAY_MIN_DAYS = 28


def missing_day(start: date, end: date, seller_index: int, marketplace_index: int) -> date | None:
    """The day whose population exports `missing_export_day=True` leaves out for this seller-marketplace, if any."""
    if seller_index != MISSING_DAY_SELLER_INDEX or marketplace_index != 0:
        return None
    if (end - start).days + 1 < MISSING_DAY_MIN_DAYS:
        return None
    return end - timedelta(days=MISSING_DAY_BEFORE_END)


def seller_ids(n: int) -> list[str]:
    """Deterministic merchant tokens: A2SELLER1X, A2SELLER2X, ..."""
    return [f"A2SELLER{i + 1}X" for i in range(n)]


def generate_exports(
    start: date,
    end: date,
    *,
    sellers: int = 2,
    orders_per_day: int = 100,
    seed: int = 7,
    marketplaces: tuple[str, ...] = ("ATVPDKIKX0DER", "A1PA6795UKMFR9"),
    prefix: str = "",
    missing_export_day: bool | date = False,
    history_start: date | None = None,
) -> Iterator[GeneratedFile]:
    """Every export's files for every seller x marketplace and every dt in [start, end].

    The simulated history begins on `history_start` (default: `start`): orders are placed on days in
    [history_start, end]; what happens to them after `end` is not written. Giving the first run's
    start as `history_start` continues that history: later orders, and the shipments, claims,
    feedback... of the earlier ones. Every TSV export has a file on every day (header only when
    nothing happened), except the day `missing_export_day` leaves out for the second seller's first
    marketplace: that day if a date, with True the day `missing_day` gives for [history_start, end]
    (which moves with `end`: give the date when a history is generated in several runs).
    account_health has one JSON document per seller x marketplace on Mondays.
    """
    history_start = start if history_start is None else history_start
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if start < history_start:
        raise ValueError(f"start {start} is before the history's first day {history_start}")
    if sellers < 0 or orders_per_day < 0:
        raise ValueError("sellers and orders_per_day must not be negative")
    unknown = [m for m in marketplaces if m not in MARKETPLACES]
    if unknown:
        raise ValueError(f"unknown marketplace ids: {unknown}")
    unsupported = [m for m in marketplaces if MARKETPLACES[m].code not in MARKETS]
    if unsupported:
        raise ValueError(
            f"the generator has no vocabulary for {unsupported}; it generates {sorted(MARKETS)} "
            "(the warehouse itself reads every marketplace of pipelines/lib/layout.py)"
        )

    first_day = (start - history_start).days
    for seller_index, seller_id in enumerate(seller_ids(sellers)):
        for marketplace_index, marketplace_id in enumerate(marketplaces):
            missing = _missing(missing_export_day, history_start, end, seller_index, marketplace_index)
            sim = simulate(history_start, end, seller_index, seller_id, marketplace_id, orders_per_day, seed)
            for stream, export in enumerate(EXPORTS, start=1):
                # Documents and file quirks draw from streams of their own (a generator per document,
                # per block of days) so they never shift the history.
                if export == "account_health":
                    doc_rng = functools.partial(rng_for, seed, seller_index, marketplace_id, _ACCOUNT_HEALTH_STREAM)
                    files = _account_health.render(sim, doc_rng, first_day)
                else:
                    files = render_tsv(
                        _tables.BUILDERS[export](sim),
                        t0=sim.t0,
                        n_days=sim.n_days,
                        offset=sim.offset,
                        quirk_rng=functools.partial(rng_for, seed, seller_index, marketplace_id, stream),
                        first_day=first_day,
                        orders_quirks=export == "orders",
                        empty_days=export in SCHEDULED_REPORTS,
                    )
                for day, name, body in files:
                    dt = history_start + timedelta(days=day)
                    if dt == missing and export in MISSING_DAY_EXPORTS:
                        continue
                    yield GeneratedFile(build_key(prefix, export, seller_id, marketplace_id, dt, name), body)


def _missing(
    missing_export_day: bool | date, history_start: date, end: date, seller_index: int, marketplace_index: int
) -> date | None:
    if isinstance(missing_export_day, date):
        first = seller_index == MISSING_DAY_SELLER_INDEX and marketplace_index == 0
        return missing_export_day if first else None
    if missing_export_day:
        return missing_day(history_start, end, seller_index, marketplace_index)
    return None


def upload(
    files: Iterable[GeneratedFile],
    s3_client,
    bucket: str,
    *,
    workers: int = 8,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Put every file into `bucket` with `workers` threads; return how many were uploaded.

    `progress(n_done)` is called from the calling thread about every 500 files and once at the end.
    Files are consumed lazily with a bounded number in flight, so a year of exports never sits in
    memory at once. The first failed upload stops the rest and is raised.
    """
    done = 0
    reported = 0

    def put(f: GeneratedFile) -> None:
        s3_client.put_object(Bucket=bucket, Key=f.key, Body=f.body)

    def collect(finished: Iterable[Future]) -> None:
        nonlocal done, reported
        for future in finished:
            future.result()
            done += 1
        if progress is not None and done - reported >= _PROGRESS_EVERY:
            reported = done - done % _PROGRESS_EVERY
            progress(done)

    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="synthetic-upload")
    in_flight: set[Future] = set()
    try:
        for f in files:
            in_flight.add(pool.submit(put, f))
            if len(in_flight) >= 4 * max(1, workers):
                finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                collect(finished)
        finished, in_flight = wait(in_flight)
        collect(finished)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if progress is not None and done != reported:
        progress(done)
    return done
