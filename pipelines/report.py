"""`sellerhealth report`: one self-contained HTML page of every seller and marketplace's health.

Per seller and marketplace: the current status of every metric, the open alerts, each metric's
last 90 days as a chart (inline SVG drawn here, with the target line and the breach days marked),
and the SKUs and carriers behind the defects, late shipments and cancellations of the current
window (from `marts.fct_orders`). CSS is inline and there is no script, font or image from
anywhere: the file opens in a browser with no network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from pipelines.lib.layout import MARKETPLACES
from pipelines.scorecard import _CONDITION, OpenAlert, format_value, load_open_alerts

TREND_DAYS = 90
TOP_CONTRIBUTORS = 5
BREACH = ("BAD", "WARNING")

# Metrics in the order of metrics.md; any other metric follows, by name.
METRIC_ORDER = (
    "odr",
    "odr_long",
    "negative_feedback_rate",
    "a_to_z_claim_rate",
    "chargeback_rate",
    "cancel_rate",
    "late_shipment_rate",
    "valid_tracking_rate",
    "on_time_delivery_rate",
    "response_within_24h_rate",
    "avg_response_hours",
    "customer_service_dissatisfaction_rate",
    "customer_service_rating",
    "return_dissatisfaction_rate",
    "perfect_order_percentage",
    "order_quality_score",
)


@dataclass(frozen=True)
class Problem:
    """A kind of bad order, the flag of `fct_orders` that marks it, and the metric whose window it uses."""

    name: str
    flag: str
    metric: str
    window_days: int
    channel: str | None  # only orders of this channel; None for every order

    @property
    def heading(self) -> str:
        channel = f", {self.channel} orders" if self.channel else ""
        return f"{self.name.capitalize()} ({self.metric}, {self.window_days}-day window{channel})"


# Orders are taken by purchase day within the metric's window on the report's day (the late
# shipment rate counts by ship-by date, usually a day or two after purchase).
PROBLEMS = (
    Problem("defects", "is_defect", "odr", 60, None),
    Problem("late shipments", "is_late_shipment", "late_shipment_rate", 30, "MFN"),
    Problem("seller cancellations", "is_seller_cancelled", "cancel_rate", 7, "MFN"),
)


@dataclass(frozen=True)
class Point:
    day: date
    value: float | None
    status: str


@dataclass
class Series:
    metric: str
    channel: str
    window_days: int
    target: float | None = None
    target_condition: str | None = None
    points: list[Point] | None = None

    @property
    def current(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class Contributor:
    name: str
    orders: int
    flagged: int
    share: float  # of the window's flagged orders


@dataclass
class SellerMarket:
    seller_id: str
    marketplace_id: str
    as_of_date: date
    series: list[Series]
    alerts: list[OpenAlert]
    windows: dict[str, tuple[date, date] | None]  # problem flag -> window
    contributors: dict[tuple[str, str], list[Contributor]]  # (problem flag, "sku" | "carrier") -> top ones
    amazon_html: str = ""  # Amazon's view and the reconciliation (amazon_view_section)

    @property
    def title(self) -> str:
        market = MARKETPLACES.get(self.marketplace_id)
        return f"{self.seller_id} / {market.code if market else '?'} ({self.marketplace_id})"

    @property
    def anchor(self) -> str:
        return f"{self.seller_id}-{self.marketplace_id}"


def _metric_rank(metric: str) -> tuple[int, str]:
    return (METRIC_ORDER.index(metric) if metric in METRIC_ORDER else len(METRIC_ORDER), metric)


def load(con: duckdb.DuckDBPyConnection, as_of: date | None) -> list[SellerMarket]:
    """Everything the page shows, per seller and marketplace, on `as_of` (default: each one's latest day)."""
    days = con.execute(
        """
        select seller_id, marketplace_id, coalesce(?::date, max(as_of_date))
        from marts.seller_metrics_daily group by 1, 2 order by 1, 2
        """,
        [as_of],
    ).fetchall()
    rows = con.execute(
        """
        with days as (
            select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as report_day
            from marts.seller_metrics_daily group by 1, 2
        )
        select m.seller_id, m.marketplace_id, m.metric, m.fulfillment_channel, m.window_days,
               m.as_of_date, m.value, m.status, m.target, m.target_condition
        from marts.seller_metrics_daily as m
        join days using (seller_id, marketplace_id)
        where m.as_of_date between days.report_day - ? + 1 and days.report_day
        order by 1, 2, 3, 4, 5, 6
        """,
        [as_of, TREND_DAYS],
    ).fetchall()
    series: dict[tuple, Series] = {}
    for seller, market, metric, channel, window, day, value, status, target, condition in rows:
        s = series.setdefault((seller, market, metric, channel, window), Series(metric, channel, window, points=[]))
        s.points.append(Point(day, value, status))
        s.target, s.target_condition = target, condition  # the latest day's
    alerts = load_open_alerts(con, as_of)
    windows = {p.flag: _windows(con, p, as_of) for p in PROBLEMS}
    contributors = {(p.flag, by): _contributors(con, p, by, as_of) for p in PROBLEMS for by in ("sku", "carrier")}
    out = []
    for seller, market, day in days:
        mine = sorted(
            (s for k, s in series.items() if k[:2] == (seller, market)),
            key=lambda s: (_metric_rank(s.metric), s.channel, s.window_days),
        )
        out.append(
            SellerMarket(
                seller,
                market,
                day,
                mine,
                [a for a in alerts if (a.seller_id, a.marketplace_id) == (seller, market)],
                {flag: w.get((seller, market)) for flag, w in windows.items()},
                {k: c.get((seller, market), []) for k, c in contributors.items()},
            )
        )
    return out


_WINDOWS_SQL = """
    with days as (
        select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as report_day
        from marts.seller_metrics_daily group by 1, 2
    )
    select m.seller_id, m.marketplace_id, min(m.window_start) as window_start, max(m.window_end) as window_end
    from marts.seller_metrics_daily as m
    join days using (seller_id, marketplace_id)
    where m.as_of_date = days.report_day and m.metric = ? and m.window_days = ?
    group by 1, 2
"""


def _windows(con, problem: Problem, as_of: date | None) -> dict[tuple[str, str], tuple[date, date]]:
    rows = con.execute(_WINDOWS_SQL, [as_of, problem.metric, problem.window_days]).fetchall()
    return {(s, m): (start, end) for s, m, start, end in rows}


def _contributors(con, problem: Problem, by: str, as_of: date | None) -> dict[tuple[str, str], list[Contributor]]:
    """The SKUs or carriers with the most flagged orders in the window, per seller and marketplace."""
    name = "unnest(string_split(o.skus, '|'))" if by == "sku" else "coalesce(o.carrier, '(none)')"
    rows = con.execute(
        f"""
        with windows as ({_WINDOWS_SQL}),
        orders as (
            select o.seller_id, o.marketplace_id, o.amazon_order_id, o.{problem.flag} as flagged, {name} as name
            from marts.fct_orders as o
            join windows using (seller_id, marketplace_id)
            where o.purchase_date between windows.window_start and windows.window_end
              and (?::varchar is null or o.fulfillment_channel = ?::varchar)
        ),
        totals as (
            select seller_id, marketplace_id, count(distinct amazon_order_id) as flagged_orders
            from orders where flagged group by 1, 2
        ),
        by_name as (
            select seller_id, marketplace_id, name, count(distinct amazon_order_id) as orders,
                   count(distinct amazon_order_id) filter (where flagged) as flagged
            from orders group by 1, 2, 3
        )
        select by_name.seller_id, by_name.marketplace_id, name, orders, flagged, flagged / flagged_orders
        from by_name join totals using (seller_id, marketplace_id)
        where flagged > 0
        qualify row_number() over (partition by seller_id, marketplace_id order by flagged desc, name) <= ?
        order by 1, 2, flagged desc, name
        """,
        [as_of, problem.metric, problem.window_days, problem.channel, problem.channel, TOP_CONTRIBUTORS],
    ).fetchall()
    out: dict[tuple[str, str], list[Contributor]] = {}
    for seller, market, label, orders, flagged, share in rows:
        out.setdefault((seller, market), []).append(Contributor(label, orders, flagged, share))
    return out


# ---------- charts

WIDTH, HEIGHT = 340, 130
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 8, 20


def _scale(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 if hi > lo else abs(hi) * 0.1 or 0.01
    lo, hi = lo - pad, hi + pad
    if min(values) >= 0:
        lo = max(lo, 0.0)
    return lo, hi


def chart_svg(series: Series, first_day: date, last_day: date) -> str:
    """A line chart of the series over [first_day, last_day]: value line, target line, breach days."""
    n_days = (last_day - first_day).days + 1
    points = {p.day: p for p in series.points or []}
    values = [p.value for p in points.values() if p.value is not None]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(n_days - 1, 1)
    lo, hi = _scale(values + ([series.target] if series.target is not None else []) or [0.0])

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * plot_h

    breaches = [
        (i, p.status)
        for i in range(n_days)
        if (p := points.get(first_day + timedelta(days=i))) is not None and p.status in BREACH
    ]
    label = f"{series.metric} {series.channel} {series.window_days}d, {first_day} to {last_day}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(label)}" data-metric="{series.metric}" data-channel="{series.channel}" '
        f'data-window="{series.window_days}" data-breach-days="{len(breaches)}">',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    band = max(step, 1.5)
    for i, status in breaches:
        parts.append(
            f'<rect class="breach {status.lower()}" x="{x(i) - band / 2:.1f}" y="{TOP}" width="{band:.1f}" '
            f'height="{plot_h}"><title>{first_day + timedelta(days=i)}: {status}</title></rect>'
        )
    if series.target is not None:
        condition = _CONDITION.get(series.target_condition, "?")
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(series.target):.1f}" '
            f'y2="{y(series.target):.1f}" data-target="{series.target}"><title>target {html.escape(condition)} '
            f"{format_value(series.metric, series.target)}</title></line>"
        )
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    for i in range(n_days):
        p = points.get(first_day + timedelta(days=i))
        if p is None or p.value is None:
            segment = []
            segments.append(segment)
        else:
            segment.append(f"{x(i):.1f},{y(p.value):.1f}")
    for seg in segments:
        if len(seg) == 1:
            cx, cy = seg[0].split(",")
            parts.append(f'<circle class="value" cx="{cx}" cy="{cy}" r="1.5"/>')
        elif seg:
            parts.append(f'<polyline class="value" points="{" ".join(seg)}"/>')
    for v in (hi, lo):
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">'
            f"{html.escape(format_value(series.metric, v))}</text>"
        )
    parts.append(f'<text class="axis" x="{LEFT}" y="{HEIGHT - 5}">{first_day}</text>')
    parts.append(f'<text class="axis" x="{WIDTH - RIGHT}" y="{HEIGHT - 5}" text-anchor="end">{last_day}</text>')
    if not values:
        parts.append(
            f'<text class="axis" x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">no data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------- the page

CSS = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 24px; color: #1d232a; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-top: 2px solid #ccd3da;
     padding-top: 12px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #5c6670; } nav a { margin-right: 12px; }
table { border-collapse: collapse; margin: 4px 0 12px; } th, td { padding: 3px 8px; border-bottom: 1px solid #e3e7eb;
        text-align: left; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; padding: 1px 6px; border-radius: 3px; font-size: 12px; }
.GOOD { background: #dff3e4; color: #1e6b34; } .WARNING { background: #fff1cc; color: #7a5600; }
.BAD, .CRITICAL { background: #fbdcdc; color: #9b1c1c; } .NO_DATA, .NO_TARGET { background: #eef0f2; color: #5c6670; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; padding: 6px; border: 1px solid #e3e7eb; border-radius: 4px; }
figcaption { font-size: 12px; margin-bottom: 2px; }
svg.chart .plot { fill: #fafbfc; stroke: #e3e7eb; }
svg.chart .breach.bad { fill: #e5484d; fill-opacity: 0.28; }
svg.chart .breach.warning { fill: #f5a524; fill-opacity: 0.3; }
svg.chart .target { stroke: #9b1c1c; stroke-width: 1; stroke-dasharray: 4 3; }
svg.chart polyline.value { fill: none; stroke: #2563eb; stroke-width: 1.6; } svg.chart circle.value { fill: #2563eb; }
svg.chart .axis { font-size: 10px; fill: #5c6670; }
.legend span { margin-right: 14px; } .swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
               vertical-align: middle; }
"""


def _status(status: str) -> str:
    return f'<span class="status {html.escape(status)}">{html.escape(status)}</span>'


def _target(metric: str, target: float | None, condition: str | None) -> str:
    if target is None:
        return ""
    return html.escape(f"{_CONDITION.get(condition, '?')} {format_value(metric, target)}")


def _status_table(sm: SellerMarket) -> str:
    open_series = {(a.metric, a.channel, a.window_days): a for a in sm.alerts}
    rows = []
    for s in sm.series:
        current = s.current if s.current and s.current.day == sm.as_of_date else None
        alert = open_series.get((s.metric, s.channel, s.window_days))
        rows.append(
            f"<tr><td>{html.escape(s.metric)}</td><td>{s.channel}</td><td class='num'>{s.window_days}d</td>"
            f"<td class='num'>{html.escape(format_value(s.metric, current.value if current else None))}</td>"
            f"<td class='num'>{_target(s.metric, s.target, s.target_condition)}</td>"
            f"<td>{_status(current.status if current else 'NO_DATA')}</td>"
            f"<td>{_status(alert.severity) + f' open {alert.days_open} d' if alert else ''}</td></tr>"
        )
    return (
        "<table class='current'><thead><tr><th>metric</th><th>channel</th><th class='num'>window</th>"
        "<th class='num'>value</th><th class='num'>target</th><th>status</th><th>alert</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _alerts_table(alerts: list[OpenAlert]) -> str:
    if not alerts:
        return "<p class='meta'>No open alerts.</p>"
    rows = "".join(
        f"<tr><td>{_status(a.severity)}</td><td class='num'>{a.days_open}</td><td>{html.escape(a.metric)}</td>"
        f"<td>{a.channel}</td><td class='num'>{a.window_days}d</td><td>{a.opened_on}</td><td>{a.last_breached_on}</td>"
        f"<td class='num'>{html.escape(format_value(a.metric, a.value))}</td>"
        f"<td class='num'>{_target(a.metric, a.target, a.target_condition)}</td>"
        f"<td>{html.escape(a.acknowledged_by or '')}</td><td><code>{a.alert_id}</code></td></tr>"
        for a in alerts
    )
    return (
        "<table class='alerts'><thead><tr><th>severity</th><th class='num'>days open</th><th>metric</th>"
        "<th>channel</th><th class='num'>window</th><th>opened</th><th>last breach</th><th class='num'>value</th>"
        "<th class='num'>target</th><th>acknowledged by</th><th>alert_id</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _contributors_section(sm: SellerMarket) -> str:
    out = []
    for problem in PROBLEMS:
        window = sm.windows.get(problem.flag)
        span = f"orders purchased {window[0]} to {window[1]}" if window else "no window on this day"
        out.append(f"<h4>{html.escape(problem.heading)} <span class='meta'>{span}</span></h4>")
        tables = []
        for by, heading in (("sku", "SKU"), ("carrier", "carrier")):
            found = sm.contributors.get((problem.flag, by), [])
            if not found:
                tables.append(f"<p class='meta'>No {problem.name} by {heading}.</p>")
                continue
            rows = "".join(
                f"<tr><td>{html.escape(c.name)}</td><td class='num'>{c.flagged}</td><td class='num'>{c.orders}</td>"
                f"<td class='num'>{c.flagged / c.orders:.1%}</td><td class='num'>{c.share:.0%}</td></tr>"
                for c in found
            )
            tables.append(
                f"<table class='contributors' data-problem='{problem.flag}' data-by='{by}'><thead><tr>"
                f"<th>{heading}</th><th class='num'>flagged orders</th><th class='num'>orders</th>"
                f"<th class='num'>rate</th><th class='num'>share of flagged</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
        out.append("<div class='charts'>" + "".join(f"<div>{t}</div>" for t in tables) + "</div>")
    return "".join(out)


def _charts(sm: SellerMarket) -> str:
    first_day = sm.as_of_date - timedelta(days=TREND_DAYS - 1)
    figures = []
    for s in sm.series:
        current = s.current if s.current and s.current.day == sm.as_of_date else None
        caption = (
            f"<b>{html.escape(s.metric)}</b> {s.channel} {s.window_days}d: "
            f"{html.escape(format_value(s.metric, current.value if current else None))} "
            f"{_status(current.status if current else 'NO_DATA')}"
        )
        figures.append(f"<figure><figcaption>{caption}</figcaption>{chart_svg(s, first_day, sm.as_of_date)}</figure>")
    return "<div class='charts'>" + "".join(figures) + "</div>"


def render_report(sellers: list[SellerMarket], generated_at: datetime, source: str) -> str:
    nav = " ".join(f"<a href='#{sm.anchor}'>{html.escape(sm.title)}</a>" for sm in sellers)
    sections = []
    for sm in sellers:
        critical = sum(a.severity == "CRITICAL" for a in sm.alerts)
        sections.append(
            f"<section id='{sm.anchor}' data-seller='{sm.seller_id}' data-marketplace='{sm.marketplace_id}'>"
            f"<h2>{html.escape(sm.title)} <span class='meta'>as of {sm.as_of_date}</span></h2>"
            f"<p>{len(sm.alerts)} open alerts, {critical} critical.</p>"
            f"<h3>Open alerts</h3>{_alerts_table(sm.alerts)}"
            f"<h3>Current status</h3>{_status_table(sm)}"
            f"<h3>Last {TREND_DAYS} days</h3>"
            "<p class='legend'><span><span class='swatch' style='background:#2563eb'></span>value</span>"
            "<span><span class='swatch' style='border-top:2px dashed #9b1c1c;height:0'></span>target</span>"
            "<span><span class='swatch' style='background:#e5484d;opacity:.5'></span>BAD day</span>"
            "<span><span class='swatch' style='background:#f5a524;opacity:.5'></span>WARNING day</span></p>"
            f"{_charts(sm)}"
            f"<h3>What drives the problems</h3>{_contributors_section(sm)}"
            f"{sm.amazon_html}"
            "</section>"
        )
    body = "".join(sections) or "<p>No metrics in the warehouse.</p>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Seller health</title><style>{CSS}</style></head><body>"
        f"<h1>Seller health</h1><p class='meta'>Generated {generated_at:%Y-%m-%d %H:%M} UTC from "
        f"{html.escape(source)}. Order flags in the driver tables are as of the latest loaded day.</p>"
        f"<nav>{nav}</nav>{body}</body></html>\n"
    )


def build_report(con: duckdb.DuckDBPyConnection, as_of: date | None, generated_at: datetime, source: str) -> str:
    sellers = load(con, as_of)
    attach_amazon_view(con, sellers, as_of)
    return add_outlook(con, as_of, render_report(sellers, generated_at, source))


# ---------- Amazon's own view (docs/amazon-view.md)


def attach_amazon_view(con: duckdb.DuckDBPyConnection, sellers: list[SellerMarket], as_of: date | None) -> None:
    """Give each seller-marketplace its section on Amazon's latest snapshot and the reconciliation."""
    from pipelines.amazon_view import load_amazon_views

    views = load_amazon_views(con, as_of)
    for sm in sellers:
        sm.amazon_html = amazon_view_section(views.get((sm.seller_id, sm.marketplace_id)))


def amazon_view_section(view) -> str:
    """Amazon's view (account status, AHR, warnings, policy violations), then the reconciliation table,
    disagreements first."""
    from pipelines.amazon_view import counts, percent

    if view is None:
        return "<h3>Amazon's view</h3><p class='meta'>No account health snapshot from Amazon.</p>"
    score = "" if view.ahr_score is None else f" (score {view.ahr_score:.0f})"
    warnings = ", ".join(f"{html.escape(w)} {_status(s or 'NONE')}" for w, s in view.warnings) or "none"
    policies = "".join(
        f"<tr><td>{html.escape(entry)}</td><td class='num'>{'-' if count is None else count}</td>"
        f"<td>{_status(status or 'NONE')}</td></tr>"
        for entry, count, status in view.policies
    )
    policy_table = (
        "<table class='policies'><thead><tr><th>policy</th><th class='num'>violations</th><th>status</th></tr>"
        f"</thead><tbody>{policies}</tbody></table>"
        if policies
        else "<p class='meta'>No policy entries.</p>"
    )
    rows = "".join(
        f"<tr data-agrees='{str(r.agrees).lower()}' data-entry='{html.escape(r.amazon_metric)}'>"
        f"<td>{html.escape(r.label)}</td><td>{r.channel}</td><td>{r.reporting_date_from} to {r.reporting_date_to}</td>"
        f"<td class='num'>{percent(r.amazon_rate)}</td>"
        f"<td class='num'>{counts(r.amazon_numerator, r.amazon_denominator)}</td>"
        f"<td>{_status(r.amazon_status or 'NONE')}</td>"
        f"<td class='num'>{percent(r.value)}</td><td class='num'>{counts(r.numerator, r.denominator)}</td>"
        f"<td>{_status(r.status)}</td>"
        f"<td class='num'>{'' if r.rate_difference is None else f'{r.rate_difference * 100:+.2f} pp'}</td>"
        f"<td><span class='status {'GOOD' if r.agrees else 'BAD'}'>{'agrees' if r.agrees else 'differs'}</span></td>"
        f"<td>{html.escape(r.coverage)}</td></tr>"
        for r in view.reconciled
    )
    reconciliation = (
        "<table class='reconciliation'><thead><tr><th>Amazon entry</th><th>channel</th><th>Amazon's range</th>"
        "<th class='num'>Amazon rate</th><th class='num'>events/population</th><th>Amazon status</th>"
        "<th class='num'>sellerhealth rate</th><th class='num'>events/population</th><th>status</th>"
        "<th class='num'>difference</th><th>agrees</th><th>coverage</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else "<p class='meta'>No entry that sellerhealth also computes.</p>"
    )
    return (
        f"<h3>Amazon's view <span class='meta'>snapshot of {view.snapshot_date}</span></h3>"
        f"<p class='amazon-view'>Account status {_status(view.account_status or 'NONE')}, "
        f"Account Health Rating {_status(view.ahr_status or 'NONE')}{html.escape(score)}; warnings: {warnings}. "
        f"{len(view.disagreements)} of {len(view.reconciled)} entries disagree with sellerhealth.</p>"
        f"{policy_table}"
        "<h3>Amazon's numbers beside sellerhealth's <span class='meta'>over Amazon's range, as of the day "
        "before the snapshot; coverage says whether the population's exports were loaded on every day</span></h3>"
        f"{reconciliation}"
    )


# ---------- the outlook (docs/headroom-and-outlook.md)

OUTLOOK_HISTORY_DAYS = 30


@dataclass
class Outlook:
    """One series of marts.metric_outlook seen from the report's day, with its recent history."""

    metric: str
    channel: str
    window_days: int
    target: float | None
    target_condition: str | None
    history: list[Point]  # seller_metrics_daily, up to the report's day
    ahead: list[tuple[Point, int | None, int | None]]  # outlook days, with events_to_breach, orders_to_recover


_OUTLOOK_SQL = """
    with days as (
        select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as report_day
        from marts.seller_metrics_daily group by 1, 2
    )
    select o.seller_id, o.marketplace_id, o.metric, o.fulfillment_channel, o.window_days, o.target,
           o.target_condition, o.outlook_date, o.value, o.status, o.events_to_breach, o.orders_to_recover
    from marts.metric_outlook as o
    join days on o.seller_id = days.seller_id and o.marketplace_id = days.marketplace_id
        and o.as_of_date = days.report_day
    where o.target is not null
    order by 1, 2, 3, 4, 5, 8
"""

_OUTLOOK_HISTORY_SQL = """
    with days as (
        select seller_id, marketplace_id, coalesce(?::date, max(as_of_date)) as report_day
        from marts.seller_metrics_daily group by 1, 2
    )
    select m.seller_id, m.marketplace_id, m.metric, m.fulfillment_channel, m.window_days, m.as_of_date,
           m.value, m.status
    from marts.seller_metrics_daily as m
    join days using (seller_id, marketplace_id)
    where m.as_of_date between days.report_day - ? + 1 and days.report_day
        and m.metric in (select distinct metric from marts.metric_outlook)
    order by 1, 2, 3, 4, 5, 6
"""


def load_outlook(con: duckdb.DuckDBPyConnection, as_of: date | None) -> dict[tuple[str, str], list[Outlook]]:
    """Per seller-marketplace, the outlook of each lagged metric with a target, as of the report's day."""
    (has_table,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name = 'metric_outlook'"
    ).fetchone()
    if not has_table:
        return {}
    series: dict[tuple, Outlook] = {}
    for seller, market, metric, channel, window, target, condition, day, value, status, breach, recover in con.execute(
        _OUTLOOK_SQL, [as_of]
    ).fetchall():
        key = (seller, market, metric, channel, window)
        s = series.setdefault(key, Outlook(metric, channel, window, target, condition, [], []))
        s.ahead.append((Point(day, value, status), breach, recover))
    for seller, market, metric, channel, window, day, value, status in con.execute(
        _OUTLOOK_HISTORY_SQL, [as_of, OUTLOOK_HISTORY_DAYS]
    ).fetchall():
        if (s := series.get((seller, market, metric, channel, window))) is not None:
            s.history.append(Point(day, value, status))
    out: dict[tuple[str, str], list[Outlook]] = {}
    for key, s in sorted(series.items(), key=lambda kv: (kv[0][:2], _metric_rank(kv[0][2]), kv[0][3:])):
        if any(p.value is not None for p in s.history) or any(p.value is not None for p, _, _ in s.ahead):
            out.setdefault(key[:2], []).append(s)
    return out


def outlook_svg(s: Outlook) -> str:
    """History (solid) up to the report's day, a line at that day, the outlook (dashed) after it, the target."""
    days = [p.day for p in s.history] + [p.day for p, _, _ in s.ahead]
    first_day, last_day = min(days), max(days)
    today = s.history[-1].day if s.history else first_day - timedelta(days=1)
    n_days = (last_day - first_day).days + 1
    values = [p.value for p in s.history if p.value is not None] + [
        p.value for p, _, _ in s.ahead if p.value is not None
    ]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(n_days - 1, 1)
    lo, hi = _scale(values + ([s.target] if s.target is not None else []) or [0.0])

    def x(day: date) -> float:
        return LEFT + (day - first_day).days * step

    def y(v: float) -> float:
        return TOP + (hi - v) / (hi - lo) * plot_h

    def line(points: list[Point], css: str) -> str:
        coords = " ".join(f"{x(p.day):.1f},{y(p.value):.1f}" for p in points if p.value is not None)
        return f'<polyline class="{css}" points="{coords}"/>' if coords else ""

    label = f"{s.metric} {s.channel} {s.window_days}d outlook to {last_day}"
    ahead = [p for p, _, _ in s.ahead]
    parts = [
        f'<svg class="chart outlook" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(label)}" data-metric="{s.metric}" data-channel="{s.channel}" '
        f'data-window="{s.window_days}" data-outlook-days="{len(ahead)}">',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
        f'<line class="today" x1="{x(today):.1f}" x2="{x(today):.1f}" y1="{TOP}" y2="{TOP + plot_h}">'
        f"<title>{today}: report day</title></line>",
    ]
    if s.target is not None:
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(s.target):.1f}" y2="{y(s.target):.1f}" '
            f'data-target="{s.target}"><title>target {html.escape(_CONDITION.get(s.target_condition, "?"))} '
            f"{format_value(s.metric, s.target)}</title></line>"
        )
    parts.append(line(s.history, "value"))
    parts.append(line(s.history[-1:] + ahead, "ahead"))
    for p in ahead:
        if p.value is not None and p.status in BREACH:
            parts.append(
                f'<circle class="ahead {p.status.lower()}" cx="{x(p.day):.1f}" cy="{y(p.value):.1f}" r="2.5">'
                f"<title>{p.day}: {p.status}</title></circle>"
            )
    for v in (hi, lo):
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">'
            f"{html.escape(format_value(s.metric, v))}</text>"
        )
    parts.append(f'<text class="axis" x="{LEFT}" y="{HEIGHT - 5}">{first_day}</text>')
    parts.append(f'<text class="axis" x="{WIDTH - RIGHT}" y="{HEIGHT - 5}" text-anchor="end">{last_day}</text>')
    parts.append("</svg>")
    return "".join(parts)


_OUTLOOK_CSS = (
    "<style>svg.chart .today { stroke: #1d232a; stroke-width: 1; }"
    " svg.chart polyline.ahead { fill: none; stroke: #2563eb; stroke-width: 1.6; stroke-dasharray: 3 2; }"
    " svg.chart circle.ahead.bad { fill: #e5484d; } svg.chart circle.ahead.warning { fill: #f5a524; }</style>"
)


def outlook_section(outlooks: list[Outlook]) -> str:
    """The outlook of one seller-marketplace: a chart per series and the last decided day of each."""
    from pipelines.scorecard import headroom_text

    if not outlooks:
        return ""
    figures, rows = [], []
    for s in outlooks:
        last, breach, recover = s.ahead[-1]
        first_bad = next((p.day for p, _, _ in s.ahead if p.status == "BAD"), None)
        caption = (
            f"<b>{html.escape(s.metric)}</b> {s.channel} {s.window_days}d on {last.day}: "
            f"{html.escape(format_value(s.metric, last.value))} {_status(last.status)}"
        )
        figures.append(f"<figure><figcaption>{caption}</figcaption>{outlook_svg(s)}</figure>")
        rows.append(
            f"<tr><td>{html.escape(s.metric)}</td><td>{s.channel}</td><td class='num'>{s.window_days}d</td>"
            f"<td>{last.day}</td><td class='num'>{html.escape(format_value(s.metric, last.value))}</td>"
            f"<td class='num'>{_target(s.metric, s.target, s.target_condition)}</td><td>{_status(last.status)}</td>"
            f"<td>{first_bad or ''}</td><td>{html.escape(headroom_text(s.metric, breach, recover))}</td></tr>"
        )
    return (
        "<h3>Already decided: the coming days</h3>"
        "<p class='meta'>The windows of the next days hold only orders already placed: each value below is what "
        "that day will show if no new event (defect, scan, delivery) arrives. Solid: the last "
        f"{OUTLOOK_HISTORY_DAYS} days; dashed, after the report day's line: the outlook.</p>"
        f"{_OUTLOOK_CSS}<div class='charts'>{''.join(figures)}</div>"
        "<table class='outlook'><thead><tr><th>metric</th><th>channel</th><th class='num'>window</th>"
        "<th>last decided day</th><th class='num'>value</th><th class='num'>target</th><th>status</th>"
        f"<th>first BAD day</th><th>headroom then</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def add_outlook(con: duckdb.DuckDBPyConnection, as_of: date | None, page: str) -> str:
    """`page` with each seller-marketplace's outlook at the end of its section."""
    for (seller, market), outlooks in load_outlook(con, as_of).items():
        start = page.find(f"<section id='{seller}-{market}'")
        end = page.find("</section>", start)
        if start >= 0 and end >= 0:
            page = page[:end] + outlook_section(outlooks) + page[end:]
    return page
