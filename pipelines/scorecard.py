"""The scorecard: each seller-marketplace's metrics on one day, with targets, status and 7-day change.

Reads `marts.seller_metrics_daily` and `marts.alerts` (read-only) and prints, per seller and
marketplace, its metrics worst first with their headroom, then the alerts open on that day, worst
first; or the same rows as JSON or CSV (`--format`). The text fits 100 columns. See
docs/report-and-scorecard.md.

The as-of rule: with `--as-of D` nothing after D shows: the values are D's, and an alert is shown
as it stood at the end of D (open on D, its severity, last breach and value from the days up to D,
an acknowledgement only if it was made by then).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import textwrap
from dataclasses import asdict, dataclass
from datetime import date

import duckdb

from pipelines.lib.metric_names import (
    format_change,
    format_target,
    format_value,
    marketplace_code,
    marketplace_name,
    metric_name,
    metric_rank,
    status_rank,
)

__all__ = ["format_change", "format_value", "load_lines", "load_open_alerts", "render", "render_alerts"]

_COLOURS = {"GOOD": "32", "WARNING": "33", "BAD": "31", "NO_DATA": "2", "NO_TARGET": "2"}
WIDTH = 100  # the text scorecard never prints a longer line


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
    warning_level: float | None = None
    events_to_breach: int | None = None  # the headroom (docs/headroom-and-outlook.md)
    orders_to_recover: int | None = None

    @property
    def sort_key(self) -> tuple:
        """Worst first: BAD, WARNING, GOOD, NO_TARGET, NO_DATA; then in the metrics' own order."""
        return (
            self.seller_id,
            self.marketplace_id,
            status_rank(self.status),
            metric_rank(self.metric),
            self.channel,
            self.window_days,
        )


def use_colour(stream=sys.stdout) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def seller_marketplace_filter(alias: str) -> str:
    """SQL conditions for `--seller` and `--marketplace` on table `alias`; `seller_marketplace_params` fills them."""
    return (
        f" and (?::varchar is null or {alias}.seller_id = ?::varchar)"
        f" and (?::varchar is null or {alias}.marketplace_id = ?::varchar)"
    )


def seller_marketplace_params(seller: str | None, marketplace: str | None) -> list:
    return [seller, seller, marketplace, marketplace]


def load_lines(
    con: duckdb.DuckDBPyConnection, as_of: date | None, seller: str | None = None, marketplace: str | None = None
) -> list[Line]:
    """Each seller-marketplace's rows on `as_of` (default: its own latest day), worst first.

    `marketplace` is a marketplace id (resolve a code like US with `resolve_marketplace`).
    """
    rows = con.execute(
        f"""
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as as_of_date
            from marts.seller_metrics_daily as m
            where true {seller_marketplace_filter("m")}
            group by seller_id, marketplace_id
        )
        select m.seller_id, m.marketplace_id, m.as_of_date, m.metric, m.fulfillment_channel, m.window_days,
               m.value, m.target, m.target_condition, m.status, before.value, m.warning_level,
               m.events_to_breach, m.orders_to_recover
        from marts.seller_metrics_daily as m
        join days using (seller_id, marketplace_id, as_of_date)
        left join marts.seller_metrics_daily as before
            on before.seller_id = m.seller_id and before.marketplace_id = m.marketplace_id
            and before.metric = m.metric and before.fulfillment_channel = m.fulfillment_channel
            and before.window_days = m.window_days and before.as_of_date = m.as_of_date - 7
        """,
        [as_of, *seller_marketplace_params(seller, marketplace)],
    ).fetchall()
    return sorted((Line(*row) for row in rows), key=lambda line: line.sort_key)


def resolve_marketplace(text: str | None) -> str | None:
    """A marketplace id from an id or a code (US, DE, ...); None stays None."""
    if text is None:
        return None
    for marketplace_id in _known_marketplaces():
        if text.upper() in (marketplace_id, marketplace_code(marketplace_id)):
            return marketplace_id
    return text


def _known_marketplaces() -> list[str]:
    from pipelines.lib.layout import MARKETPLACES

    return list(MARKETPLACES)


def _title(seller_id: str, marketplace_id: str, as_of_date: date) -> str:
    return f"{seller_id} · {marketplace_name(marketplace_id)} ({marketplace_id}) · as of {as_of_date}"


def _status_text(status: str, width: int, colour: bool) -> str:
    text = f"{status:<{width}}"
    return f"\x1b[{_COLOURS.get(status, '0')}m{text}\x1b[0m" if colour else text


def _target_text(line: Line) -> str:
    # The warning level is shown where it matters: on a WARNING row, the level the value crossed.
    warning = line.warning_level if line.status == "WARNING" else None
    return format_target(line.metric, line.target, line.target_condition, warning)


def headroom_column(events_to_breach: int | None, orders_to_recover: int | None) -> str:
    """The headroom in the scorecard's column: `+k` (k more events against the target and it is BAD),
    `-m` (m more clean orders bring it back within target), or ''."""
    if events_to_breach is not None:
        return f"+{events_to_breach}"
    if orders_to_recover is not None:
        return f"-{orders_to_recover}"
    return ""


def render(lines: list[Line], colour: bool) -> str:
    out: list[str] = []
    current = None
    for line in lines:
        if (line.seller_id, line.marketplace_id) != current:
            current = (line.seller_id, line.marketplace_id)
            out.append("")
            out.append(_title(line.seller_id, line.marketplace_id, line.as_of_date))
            out.append(
                f"  {'status':<9} {'metric':<27} {'ch':<3} {'win':>4} {'value':>8} {'target':<23} "
                f"{'7-day chg':>9} {'headroom':>8}"
            )
        out.append(
            f"  {_status_text(line.status, 9, colour)} {_fit(metric_name(line.metric), 27):<27} {line.channel:<3} "
            f"{str(line.window_days) + 'd':>4} {format_value(line.metric, line.value):>8} "
            f"{_fit(_target_text(line), 23):<23} "
            f"{format_change(line.metric, line.value, line.value_7_days_before):>9} "
            f"{headroom_column(line.events_to_breach, line.orders_to_recover):>8}".rstrip()
        )
    return "\n".join(out).lstrip("\n")


@dataclass(frozen=True)
class OpenAlert:
    """An alert of `marts.alerts` open on `as_of_date` (its seller-marketplace's day), as it stood then."""

    alert_id: str
    seller_id: str
    marketplace_id: str
    metric: str
    channel: str
    window_days: int
    severity: str
    opened_on: date
    last_breached_on: date | None
    value: float | None
    target: float | None
    target_condition: str | None
    acknowledged_by: str | None
    as_of_date: date
    warning_level: float | None = None

    @property
    def days_open(self) -> int:
        """Days from opened_on to the as-of day, both counted: opened today is 1 day."""
        return (self.as_of_date - self.opened_on).days + 1


def load_open_alerts(
    con: duckdb.DuckDBPyConnection, as_of: date | None, seller: str | None = None, marketplace: str | None = None
) -> list[OpenAlert]:
    """Alerts open on `as_of` (default: each seller-marketplace's latest day), as they stood then, worst first.

    Open on D: opened on or before D and not resolved on or before D. Its severity, last breach,
    value and target are recomputed from the series' days from opened_on to D, so nothing after D
    leaks into a past view (the stored row holds the episode as of the latest day). An alert of
    a series that is not in seller_metrics_daily keeps its stored values only when its last breach
    is on or before D. An acknowledgement made after D is not shown. Worst first: CRITICAL before
    WARNING, then the longest open.
    """
    (has_table,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'alerts'"
    ).fetchone()
    if not has_table:
        return []
    rows = con.execute(
        f"""
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as report_day
            from marts.seller_metrics_daily as m
            where true {seller_marketplace_filter("m")}
            group by seller_id, marketplace_id
        ),
        open_then as (
            select a.*, days.report_day
            from marts.alerts as a
            join days using (seller_id, marketplace_id)
            where a.opened_on <= days.report_day and (a.resolved_on is null or a.resolved_on > days.report_day)
        ),
        breach_days as (
            select o.alert_id, m.as_of_date, m.value, m.target, m.target_condition, m.warning_level,
                   bool_or(m.status = 'BAD') over (partition by o.alert_id) as any_bad
            from open_then as o
            join marts.seller_metrics_daily as m
                on m.seller_id = o.seller_id and m.marketplace_id = o.marketplace_id
                and m.fulfillment_channel = o.fulfillment_channel and m.metric = o.metric
                and m.window_days = o.window_days
                and m.as_of_date between o.opened_on and o.report_day
            where m.status in ('BAD', 'WARNING')
            qualify row_number() over (partition by o.alert_id order by m.as_of_date desc) = 1
        )
        select o.alert_id, o.seller_id, o.marketplace_id, o.metric, o.fulfillment_channel, o.window_days,
               case when b.alert_id is null then o.severity when b.any_bad then 'CRITICAL' else 'WARNING' end,
               o.opened_on,
               case when b.alert_id is not null then b.as_of_date
                    when o.last_breached_on <= o.report_day then o.last_breached_on end,
               case when b.alert_id is not null then b.value
                    when o.last_breached_on <= o.report_day then o.value end,
               coalesce(b.target, o.target),
               coalesce(b.target_condition, o.target_condition),
               case when o.acknowledged_at is null or o.acknowledged_at < o.report_day + 1
                    then o.acknowledged_by end,
               o.report_day,
               b.warning_level
        from open_then as o
        left join breach_days as b using (alert_id)
        """,
        [as_of, *seller_marketplace_params(seller, marketplace)],
    ).fetchall()
    alerts = [OpenAlert(*row) for row in rows]
    return sorted(
        alerts,
        key=lambda a: (
            a.severity != "CRITICAL",
            -a.days_open,
            a.seller_id,
            a.marketplace_id,
            metric_rank(a.metric),
            a.channel,
            a.window_days,
        ),
    )


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_alerts(alerts: list[OpenAlert], colour: bool) -> str:
    """The open alerts, worst first, one line each (and one more for an acknowledgement)."""
    if not alerts:
        return "no open alerts"
    out = [
        f"open alerts ({len(alerts)}), worst first",
        f"  {'severity':<8} {'days':>4} {'seller':<13} {'metric':<34} {'value':>9} {'target':<24}",
    ]
    for alert in alerts:
        where = _fit(f"{alert.seller_id} {marketplace_code(alert.marketplace_id)}", 13)
        suffix = f" {alert.channel} {alert.window_days}d"
        series = _fit(metric_name(alert.metric), 34 - len(suffix)) + suffix
        warning = alert.warning_level if alert.severity == "WARNING" else None
        target = format_target(alert.metric, alert.target, alert.target_condition, warning)
        severity = f"{alert.severity:<8}"
        if colour:
            severity = f"\x1b[{_COLOURS['BAD' if alert.severity == 'CRITICAL' else 'WARNING']}m{severity}\x1b[0m"
        out.append(
            f"  {severity} {alert.days_open:>4} {where:<13} {series:<34} "
            f"{format_value(alert.metric, alert.value):>9} {_fit(target, 24)}".rstrip()
        )
        if alert.acknowledged_by:
            out.append(f"{'':16}{_fit(f'acknowledged by {alert.acknowledged_by}', WIDTH - 16)}")
    return "\n".join(out)


def render_amazon_disagreements(
    con: duckdb.DuckDBPyConnection, as_of: date | None, seller: str | None = None, marketplace: str | None = None
) -> str:
    """A line per entry of Amazon's latest snapshot that disagrees with sellerhealth (docs/amazon-view.md).

    `seller` and `marketplace` (an id) keep to the scorecard's filters, as `load_lines` does.
    """
    from pipelines.amazon_view import disagreement_line, load_amazon_views

    views = load_amazon_views(con, as_of, seller, marketplace)
    if not views:
        return "no account health snapshot from Amazon"
    out = []
    for (seller_id, market_id), view in sorted(views.items()):
        where = f"{seller_id} / {marketplace_code(market_id)}"
        ahr = f"AHR {view.ahr_status or '-'}" + (f" {view.ahr_score:.0f}" if view.ahr_score is not None else "")
        out += _wrap(
            f"Amazon's view of {where} on {view.snapshot_date}: account {view.account_status or '-'}, {ahr}; "
            f"{len(view.disagreements)} of {len(view.reconciled)} disagree",
            "",
        )
        for r in view.disagreements:
            out += _wrap(disagreement_line(r), "  ")
    return "\n".join(out)


def _wrap(text: str, indent: str) -> list[str]:
    """`text` in lines of at most WIDTH columns, the first indented by `indent`, the rest two deeper.

    Broken at spaces only: a date range (2025-12-25..2026-02-22) or a count (12/1000) stays whole.
    """
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "    ",
        break_long_words=False,
        break_on_hyphens=False,
    )


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


# ---------- machine-readable output


def records(lines: list[Line], alerts: list[OpenAlert]) -> list[dict]:
    """One record per scorecard line, with the open alert of its series (if any)."""
    by_series = {(a.seller_id, a.marketplace_id, a.metric, a.channel, a.window_days): a for a in alerts}
    out = []
    for line in lines:
        alert = by_series.get((line.seller_id, line.marketplace_id, line.metric, line.channel, line.window_days))
        out.append(
            {
                "seller_id": line.seller_id,
                "marketplace_id": line.marketplace_id,
                "marketplace": marketplace_name(line.marketplace_id),
                "as_of_date": line.as_of_date.isoformat(),
                "metric": line.metric,
                "metric_name": metric_name(line.metric),
                "fulfillment_channel": line.channel,
                "window_days": line.window_days,
                "value": line.value,
                "target": line.target,
                "target_condition": line.target_condition,
                "warning_level": line.warning_level,
                "status": line.status,
                "value_7_days_before": line.value_7_days_before,
                "events_to_breach": line.events_to_breach,
                "orders_to_recover": line.orders_to_recover,
                "headroom": headroom_text(line.metric, line.events_to_breach, line.orders_to_recover) or None,
                "alert_id": alert.alert_id if alert else None,
                "alert_severity": alert.severity if alert else None,
                "alert_opened_on": alert.opened_on.isoformat() if alert else None,
                "alert_days_open": alert.days_open if alert else None,
                "alert_acknowledged_by": alert.acknowledged_by if alert else None,
            }
        )
    return out


def _alert_record(alert: OpenAlert) -> dict:
    out = asdict(alert)
    out["fulfillment_channel"] = out.pop("channel")
    out["metric_name"] = metric_name(alert.metric)
    out["days_open"] = alert.days_open
    for key in ("opened_on", "last_breached_on", "as_of_date"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


def render_json(lines: list[Line], alerts: list[OpenAlert]) -> str:
    return json.dumps({"metrics": records(lines, alerts), "alerts": [_alert_record(a) for a in alerts]}, indent=2)


def render_csv(lines: list[Line], alerts: list[OpenAlert]) -> str:
    rows = records(lines, alerts)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
