"""Amazon's own view for the scorecard and the report: the latest snapshot per seller-marketplace
(account status, Account Health Rating, warning states, policy violations) and its reconciliation
with sellerhealth's numbers (`marts.amazon_account_health`, `marts.metric_reconciliation`;
docs/amazon-view.md). Labels come from the seed `marts.amazon_metrics`, the one place that names
the entries sellerhealth also computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb


@dataclass(frozen=True)
class Reconciled:
    """One row of marts.metric_reconciliation."""

    amazon_metric: str
    label: str
    channel: str
    metric: str
    reporting_date_from: date | None
    reporting_date_to: date | None
    amazon_denominator: int | None
    amazon_numerator: int | None
    amazon_rate: float | None
    denominator: int
    numerator: int
    value: float | None
    rate_difference: float | None
    amazon_status: str | None
    status: str
    agrees: bool
    coverage: str

    @property
    def differs(self) -> bool:
        """Not `agrees`, or the same rates from other counts (e.g. orders of a missing export day)."""
        counted = (self.amazon_denominator, self.amazon_numerator) != (self.denominator, self.numerator)
        return not self.agrees or counted


@dataclass
class AmazonView:
    """A seller-marketplace's latest snapshot (on or before the as-of day's next day) and its reconciliation."""

    seller_id: str
    marketplace_id: str
    snapshot_date: date
    account_status: str | None = None
    ahr_status: str | None = None
    ahr_score: float | None = None
    warnings: list[tuple[str, str | None]] = field(default_factory=list)  # (warningType, status)
    policies: list[tuple[str, int | None, str | None]] = field(default_factory=list)  # (entry, count, status)
    reconciled: list[Reconciled] = field(default_factory=list)  # disagreements first

    @property
    def disagreements(self) -> list[Reconciled]:
        return [r for r in self.reconciled if r.differs]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    return bool(found)


def load_amazon_views(
    con: duckdb.DuckDBPyConnection, as_of: date | None, seller: str | None = None, marketplace: str | None = None
) -> dict[tuple[str, str], AmazonView]:
    """Per (seller_id, marketplace_id): the latest snapshot whose view is as of `as_of` or earlier.

    A snapshot of day dt is Amazon's view as of dt - 1 (sellerhealth's as-of day), so `as_of` D
    takes snapshots up to D + 1. Empty when the warehouse has no Amazon view yet. `seller` and
    `marketplace` (an id), when given, keep to that seller and that marketplace (the scorecard's filters).
    """
    from pipelines.scorecard import seller_marketplace_filter, seller_marketplace_params

    keys = seller_marketplace_params(seller, marketplace)
    if not _has_table(con, "marts", "amazon_account_health"):
        return {}
    rows = con.execute(
        f"""
        with latest as (
            select seller_id, marketplace_id, max(snapshot_date) as snapshot_date
            from marts.amazon_account_health as h
            where (?::date is null or snapshot_date <= ?::date + 1) {seller_marketplace_filter("h")}
            group by 1, 2
        )
        select a.seller_id, a.marketplace_id, a.snapshot_date, a.entry_kind, a.amazon_metric, a.status,
               a.event_count, a.account_status, a.ahr_status, a.ahr_score
        from marts.amazon_account_health as a
        join latest using (seller_id, marketplace_id, snapshot_date)
        order by 1, 2, 4, 5
        """,
        [as_of, as_of, *keys],
    ).fetchall()
    views: dict[tuple[str, str], AmazonView] = {}
    for seller_id, market, day, kind, entry, status, count, account, ahr, score in rows:
        view = views.setdefault((seller_id, market), AmazonView(seller_id, market, day, account, ahr, score))
        if kind == "warning_state":
            view.warnings.append((entry, status))
        elif kind == "policy":
            view.policies.append((entry, count, status))
    if views and _has_table(con, "marts", "metric_reconciliation"):
        labels = {}
        if _has_table(con, "marts", "amazon_metrics"):
            labels = dict(con.execute("select amazon_metric, label from marts.amazon_metrics").fetchall())
        reconciled = con.execute(
            f"""
            select seller_id, marketplace_id, snapshot_date, amazon_metric, fulfillment_channel, metric,
                   reporting_date_from, reporting_date_to, amazon_denominator, amazon_numerator, amazon_rate,
                   denominator, numerator, value, rate_difference, amazon_status, status, agrees, coverage
            from marts.metric_reconciliation as r
            where true {seller_marketplace_filter("r")}
            order by agrees, abs(rate_difference) desc nulls first, amazon_metric, fulfillment_channel
            """,
            keys,
        ).fetchall()
        for seller_id, market, day, entry, *rest in reconciled:
            view = views.get((seller_id, market))
            if view is not None and view.snapshot_date == day:
                view.reconciled.append(Reconciled(entry, labels.get(entry) or entry, *rest))
    for view in views.values():
        view.reconciled.sort(key=lambda r: not r.differs)  # stable: the query's order within each group
    return views


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def counts(numerator: int | None, denominator: int | None) -> str:
    return f"{'-' if numerator is None else numerator}/{'-' if denominator is None else denominator}"


def disagreement_line(r: Reconciled) -> str:
    """'Order defect rate (orderDefectRate) MFN 2025-11-12..2026-01-11: Amazon 1.20% (12/1000) BAD, ...'."""
    difference = "" if r.rate_difference is None else f", difference {r.rate_difference * 100:+.2f} pp"
    return (
        f"{r.label} ({r.amazon_metric}) {r.channel} {r.reporting_date_from}..{r.reporting_date_to}: "
        f"Amazon {percent(r.amazon_rate)} ({counts(r.amazon_numerator, r.amazon_denominator)}) "
        f"{r.amazon_status or '-'}, sellerhealth {percent(r.value)} ({counts(r.numerator, r.denominator)}) "
        f"{r.status}{difference}; coverage {r.coverage}"
        + (" (exports missing on some days of the range)" if r.coverage != "COMPLETE" else "")
    )
