"""The scorecard: each seller-marketplace's metrics on one day, with targets, status and 7-day change.

Reads `marts.seller_metrics_daily` (read-only) and prints a table per seller and marketplace.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines.lib.layout import MARKETPLACES

# Metrics whose value is not a fraction, and their unit; every other metric prints as a percentage.
_UNITS = {"avg_response_hours": " h", "order_quality_score": " pts", "customer_service_rating": " /10"}
_COLOURS = {"GOOD": "32", "WARNING": "33", "BAD": "31", "NO_DATA": "2", "NO_TARGET": "2"}
_CONDITION = {"LESS_THAN": "<", "GREATER_THAN": ">", "AT_LEAST": ">="}


@dataclass(frozen=True)
class Line:
    seller_id: str
    marketplace_id: str
    as_of_date: date
    metric: str
    channel: str
    window_days: int
    value: float | None
    target: float | None
    target_condition: str | None
    status: str
    value_7_days_before: float | None


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric in _UNITS:
        return f"{value:.1f}{_UNITS[metric]}"
    return f"{value * 100:.2f}%"


def format_change(metric: str, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    if metric in _UNITS:
        return f"{delta:+.1f}{_UNITS[metric]}"
    return f"{delta * 100:+.2f} pp"


def use_colour(stream=sys.stdout) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def load_lines(con: duckdb.DuckDBPyConnection, as_of: date | None) -> list[Line]:
    """Each seller-marketplace's rows on `as_of` (default: its own latest day), with the value 7 days before."""
    rows = con.execute(
        """
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as as_of_date
            from marts.seller_metrics_daily
            group by seller_id, marketplace_id
        )
        select m.seller_id, m.marketplace_id, m.as_of_date, m.metric, m.fulfillment_channel, m.window_days,
               m.value, m.target, m.target_condition, m.status, before.value
        from marts.seller_metrics_daily as m
        join days using (seller_id, marketplace_id, as_of_date)
        left join marts.seller_metrics_daily as before
            on before.seller_id = m.seller_id and before.marketplace_id = m.marketplace_id
            and before.metric = m.metric and before.fulfillment_channel = m.fulfillment_channel
            and before.window_days = m.window_days and before.as_of_date = m.as_of_date - 7
        order by m.seller_id, m.marketplace_id, m.metric, m.fulfillment_channel, m.window_days
        """,
        [as_of],
    ).fetchall()
    return [Line(*row) for row in rows]


def render(lines: list[Line], colour: bool) -> str:
    out: list[str] = []
    current = None
    for line in lines:
        if (line.seller_id, line.marketplace_id) != current:
            current = (line.seller_id, line.marketplace_id)
            market = MARKETPLACES.get(line.marketplace_id)
            out.append("")
            out.append(f"{line.seller_id} / {market.code if market else '?'} ({line.marketplace_id}) "
                       f"as of {line.as_of_date}")
            out.append(f"  {'metric':<38} {'channel':<7} {'window':>6} {'value':>11} {'target':>12} "
                       f"{'status':<9} {'7-day change':>13}")
        target = ""
        if line.target is not None:
            target = f"{_CONDITION.get(line.target_condition, '?')} {format_value(line.metric, line.target)}"
        status = f"{line.status:<9}"
        if colour:
            status = f"\x1b[{_COLOURS.get(line.status, '0')}m{status}\x1b[0m"
        out.append(
            f"  {line.metric:<38} {line.channel:<7} {str(line.window_days) + 'd':>6} "
            f"{format_value(line.metric, line.value):>11} {target:>12} {status} "
            f"{format_change(line.metric, line.value, line.value_7_days_before):>13}"
        )
    return "\n".join(out).lstrip("\n")
