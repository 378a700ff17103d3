"""The scorecard: each seller-marketplace's metrics on one day, with targets, status and 7-day change.

Reads `marts.seller_metrics_daily` (read-only) and prints a table per seller and marketplace, then
the alerts of `marts.alerts` open on that day, worst first.
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
            out.append(
                f"{line.seller_id} / {market.code if market else '?'} ({line.marketplace_id}) as of {line.as_of_date}"
            )
            out.append(
                f"  {'metric':<38} {'channel':<7} {'window':>6} {'value':>11} {'target':>12} "
                f"{'status':<9} {'7-day change':>13}"
            )
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


@dataclass(frozen=True)
class OpenAlert:
    """An alert of `marts.alerts` open on `as_of_date` (its seller-marketplace's day on the scorecard)."""

    alert_id: str
    seller_id: str
    marketplace_id: str
    metric: str
    channel: str
    window_days: int
    severity: str
    opened_on: date
    last_breached_on: date
    value: float | None
    target: float | None
    target_condition: str | None
    acknowledged_by: str | None
    as_of_date: date

    @property
    def days_open(self) -> int:
        """Days from opened_on to the as-of day, both counted: opened today is 1 day."""
        return (self.as_of_date - self.opened_on).days + 1


def load_open_alerts(con: duckdb.DuckDBPyConnection, as_of: date | None) -> list[OpenAlert]:
    """Alerts open on `as_of` (default: each seller-marketplace's latest day), worst first.

    Open on D: opened on or before D and not resolved on or before D, so a past day shows the
    alerts that were open then. Worst first: CRITICAL before WARNING, then the longest open.
    """
    (has_table,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'alerts'"
    ).fetchone()
    if not has_table:
        return []
    rows = con.execute(
        """
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as as_of_date
            from marts.seller_metrics_daily
            group by seller_id, marketplace_id
        )
        select a.alert_id, a.seller_id, a.marketplace_id, a.metric, a.fulfillment_channel, a.window_days,
               a.severity, a.opened_on, a.last_breached_on, a.value, a.target, a.target_condition,
               a.acknowledged_by, days.as_of_date
        from marts.alerts as a
        join days using (seller_id, marketplace_id)
        where a.opened_on <= days.as_of_date and (a.resolved_on is null or a.resolved_on > days.as_of_date)
        order by a.severity = 'CRITICAL' desc, days.as_of_date - a.opened_on desc,
                 a.seller_id, a.marketplace_id, a.metric, a.fulfillment_channel, a.window_days
        """,
        [as_of],
    ).fetchall()
    return [OpenAlert(*row) for row in rows]


def render_alerts(alerts: list[OpenAlert], colour: bool) -> str:
    if not alerts:
        return "no open alerts"
    out = [
        f"open alerts ({len(alerts)}), worst first",
        f"  {'severity':<9} {'days open':>9} {'seller / market':<22} {'metric':<38} {'channel':<7} {'window':>6} "
        f"{'opened':<10} {'last breach':<11} {'value':>11} {'target':>12}  acknowledged by",
    ]
    for alert in alerts:
        market = MARKETPLACES.get(alert.marketplace_id)
        severity = f"{alert.severity:<9}"
        if colour:
            severity = f"\x1b[{_COLOURS['BAD' if alert.severity == 'CRITICAL' else 'WARNING']}m{severity}\x1b[0m"
        target = ""
        if alert.target is not None:
            target = f"{_CONDITION.get(alert.target_condition, '?')} {format_value(alert.metric, alert.target)}"
        where = f"{alert.seller_id} / {market.code if market else alert.marketplace_id}"
        out.append(
            f"  {severity} {alert.days_open:>9} {where:<22} {alert.metric:<38} {alert.channel:<7} "
            f"{str(alert.window_days) + 'd':>6} {alert.opened_on.isoformat():<10} "
            f"{alert.last_breached_on.isoformat():<11} {format_value(alert.metric, alert.value):>11} {target:>12}  "
            f"{alert.acknowledged_by or '-'}"
        )
    return "\n".join(out)


def render_amazon_disagreements(con: duckdb.DuckDBPyConnection, as_of: date | None) -> str:
    """A line per entry of Amazon's latest snapshot that disagrees with sellerhealth (docs/amazon-view.md)."""
    from pipelines.amazon_view import disagreement_line, load_amazon_views

    views = load_amazon_views(con, as_of)
    if not views:
        return "no account health snapshot from Amazon"
    out = []
    for (seller, market_id), view in sorted(views.items()):
        market = MARKETPLACES.get(market_id)
        where = f"{seller} / {market.code if market else market_id}"
        ahr = f"AHR {view.ahr_status or '-'}" + (f" {view.ahr_score:.0f}" if view.ahr_score is not None else "")
        out.append(
            f"Amazon's view of {where} on {view.snapshot_date}: account {view.account_status or '-'}, {ahr}; "
            f"{len(view.disagreements)} of {len(view.reconciled)} entries disagree"
        )
        out += [f"  {disagreement_line(r)}" for r in view.disagreements]
    return "\n".join(out)


# ---------- headroom (docs/headroom-and-outlook.md)

# One member against the target and one clean member, per metric, in the seller's words: (one, many).
_AGAINST = {
    "odr": (("defective order", "defective orders"), ("clean order", "clean orders")),
    "odr_long": (("defective order", "defective orders"), ("clean order", "clean orders")),
    "cancel_rate": (("seller cancellation", "seller cancellations"), ("uncancelled order", "uncancelled orders")),
    "late_shipment_rate": (("late shipment", "late shipments"), ("on-time shipment", "on-time shipments")),
    "valid_tracking_rate": (
        ("shipment without valid tracking", "shipments without valid tracking"),
        ("shipment with valid tracking", "shipments with valid tracking"),
    ),
    "on_time_delivery_rate": (("late delivery", "late deliveries"), ("on-time delivery", "on-time deliveries")),
    "response_within_24h_rate": (("late response", "late responses"), ("timely response", "timely responses")),
    "customer_service_dissatisfaction_rate": (("NO answer", "NO answers"), ("YES answer", "YES answers")),
    "customer_service_rating": (("NO answer", "NO answers"), ("YES answer", "YES answers")),
    "return_dissatisfaction_rate": (
        ("negative return", "negative returns"),
        ("well-handled return", "well-handled returns"),
    ),
    "perfect_order_percentage": (("imperfect order", "imperfect orders"), ("perfect order", "perfect orders")),
}
_DEFAULT_WORDS = (("event against the target", "events against the target"), ("clean one", "clean ones"))


def headroom_text(metric: str, events_to_breach: int | None, orders_to_recover: int | None) -> str:
    """'1 more late shipment and it breaches' / '26 more on-time shipments to recover', or ''."""
    against, clean = _AGAINST.get(metric, _DEFAULT_WORDS)
    if events_to_breach is not None:
        return f"{events_to_breach} more {against[events_to_breach != 1]} and it breaches"
    if orders_to_recover is not None:
        return f"{orders_to_recover} more {clean[orders_to_recover != 1]} to recover"
    return ""


def headroom_lines(con: duckdb.DuckDBPyConnection, as_of: date | None) -> str:
    """Each metric's headroom on `as_of` (default: each seller-marketplace's latest day), as printed lines."""
    rows = con.execute(
        """
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as as_of_date
            from marts.seller_metrics_daily
            group by seller_id, marketplace_id
        )
        select m.seller_id, m.marketplace_id, m.as_of_date, m.metric, m.fulfillment_channel, m.window_days,
               m.status, m.events_to_breach, m.orders_to_recover
        from marts.seller_metrics_daily as m
        join days using (seller_id, marketplace_id, as_of_date)
        where m.events_to_breach is not null or m.orders_to_recover is not null
        order by m.seller_id, m.marketplace_id, m.orders_to_recover is null, m.events_to_breach nulls last,
                 m.metric, m.fulfillment_channel, m.window_days
        """,
        [as_of],
    ).fetchall()
    out: list[str] = []
    current = None
    for seller, market_id, day, metric, channel, window, status, to_breach, to_recover in rows:
        if (seller, market_id) != current:
            current = (seller, market_id)
            market = MARKETPLACES.get(market_id)
            out.append(f"headroom, {seller} / {market.code if market else market_id} as of {day} (tightest first)")
        out.append(
            f"  {metric:<38} {channel:<7} {str(window) + 'd':>6} {status:<9} "
            f"{headroom_text(metric, to_breach, to_recover)}"
        )
    return "\n".join(out) or "no headroom to show"
