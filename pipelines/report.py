"""`sellerhealth report`: one self-contained HTML page of every seller and marketplace's health.

The page a seller opens first. Per seller and marketplace, worst first: every metric that is not
GOOD, with what drives it (the events behind it, broken down by event, SKU, carrier and
ship-service level, with shares that add up to 100 %), the next step in one sentence and its last
90 days as a chart; then the open alerts, every metric's status and the other charts. Charts are
inline SVG drawn here with gridlines, date ticks, the target and the warning level. CSS is inline
and there is no script, font or image from anywhere: the file opens in a browser with no network.

`--as-of D` shows only what was known by the end of D: values up to D, alerts as they stood on
D (see pipelines/scorecard.py), and drivers from the events of each order on or before D (the
event days of `marts.fct_orders` and `marts.fct_return_requests`). See docs/report-and-scorecard.md.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from pipelines.lib.metric_names import (
    CONDITIONS,
    format_target,
    format_value,
    is_rate,
    marketplace_code,
    marketplace_name,
    metric_name,
    metric_rank,
    status_rank,
)
from pipelines.scorecard import OpenAlert, load_open_alerts

__all__ = ["build_report", "chart_svg", "load", "render_report"]

TREND_DAYS = 90
TOP_DRIVERS = 5
BREACH = ("BAD", "WARNING")
BREAKDOWNS = (("event", "what happened"), ("sku", "SKU"), ("carrier", "carrier"), ("level", "ship-service level"))


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
    warning_level: float | None = None
    window: tuple[date, date] | None = None  # window_start, window_end on the report's day

    @property
    def current(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def name(self) -> str:
        return metric_name(self.metric)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.metric, self.channel, self.window_days)


@dataclass(frozen=True)
class Driver:
    """One line of a breakdown: a SKU (or carrier, ...) and the flagged units behind the metric."""

    name: str
    flagged: int  # flagged orders (or return requests) that have it
    population: int  # all orders (or requests) of the window that have it
    share: float  # its part of the flagged weight: the lines of a breakdown add up to 1

    @property
    def rate(self) -> float | None:
        return self.flagged / self.population if self.population else None


@dataclass
class Drivers:
    """What drives one metric on the report's day: the flagged units and their breakdowns."""

    unit: str  # "orders with a defect", ...
    share_of: str  # what the shares are shares of: the flagged orders, or the points lost
    flagged: int
    population: int
    window: tuple[date, date]
    weight: float = 0.0  # the flagged weight the shares divide: flagged units, or points lost
    breakdowns: dict[str, list[Driver]] = field(default_factory=dict)  # "event" | "sku" | ... -> lines

    def top(self, by: str) -> str | None:
        lines = [d for d in self.breakdowns.get(by, []) if not d.name.startswith("all others")]
        return lines[0].name if lines else None


@dataclass
class SellerMarket:
    seller_id: str
    marketplace_id: str
    as_of_date: date
    series: list[Series]
    alerts: list[OpenAlert]
    drivers: dict[tuple[str, str, int], Drivers] = field(default_factory=dict)  # series key -> drivers
    amazon_html: str = ""  # Amazon's view and the reconciliation (amazon_view_section)

    @property
    def title(self) -> str:
        return f"{self.seller_id} · {marketplace_name(self.marketplace_id)}"

    @property
    def anchor(self) -> str:
        return f"{self.seller_id}-{self.marketplace_id}"

    def today(self, s: Series) -> Point | None:
        return s.current if s.current and s.current.day == self.as_of_date else None

    def status(self, s: Series) -> str:
        point = self.today(s)
        return point.status if point else "NO_DATA"

    @property
    def attention(self) -> list[Series]:
        """The series not GOOD on the day (BAD, then WARNING), in the metrics' order."""
        return sorted(
            (s for s in self.series if self.status(s) in BREACH),
            key=lambda s: (status_rank(self.status(s)), metric_rank(s.metric), s.channel, s.window_days),
        )


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
               m.as_of_date, m.value, m.status, m.target, m.target_condition, m.warning_level,
               m.window_start, m.window_end
        from marts.seller_metrics_daily as m
        join days using (seller_id, marketplace_id)
        where m.as_of_date between days.report_day - ? + 1 and days.report_day
        order by 1, 2, 3, 4, 5, 6
        """,
        [as_of, TREND_DAYS],
    ).fetchall()
    series: dict[tuple, Series] = {}
    for seller, market, metric, channel, window, day, value, status, target, condition, warning, start, end in rows:
        s = series.setdefault((seller, market, metric, channel, window), Series(metric, channel, window, points=[]))
        s.points.append(Point(day, value, status))
        # the latest day's target and window
        s.target, s.target_condition, s.warning_level, s.window = target, condition, warning, (start, end)
    alerts = load_open_alerts(con, as_of)
    out = []
    for seller, market, day in days:
        mine = sorted(
            (s for k, s in series.items() if k[:2] == (seller, market)),
            key=lambda s: (metric_rank(s.metric), s.channel, s.window_days),
        )
        sm = SellerMarket(
            seller, market, day, mine, [a for a in alerts if (a.seller_id, a.marketplace_id) == (seller, market)]
        )
        for s in sm.attention:
            found = load_drivers(con, sm, s)
            if found is not None:
                sm.drivers[s.key] = found
        out.append(sm)
    return out


# ---------- drivers

# The events of an order, each true on the as-of day D (bound as $d) when it had happened by the end of D.
_EVENTS = {
    "negative feedback": "coalesce(negative_feedback_day <= $d, false)",
    "A-to-z claim": "coalesce(counted_claim_day <= $d, false)",
    "chargeback": "coalesce(service_chargeback_day <= $d, false)",
    "defect": "coalesce(defect_day <= $d, false)",
    "seller cancellation": "coalesce(seller_cancelled_day <= $d, false)",
    "late shipment": (
        "coalesce(late_shipment_from_day <= $d and (late_shipment_until_day is null "
        "or late_shipment_until_day >= $d), false)"
    ),
    "refund": "coalesce(refund_day <= $d, false)",
    "buyer contact": "coalesce(buyer_contact_day <= $d, false)",
    "late reply": "coalesce(late_response_day <= $d, false)",
}


@dataclass(frozen=True)
class DriverSpec:
    """Which orders a metric counts and which of their events make it worse.

    `events`: the events that flag an order, each with the weight it costs; an order's weight is
    split over its events (the worst only, for `worst_only`) and over its SKUs, so each breakdown
    adds up to the flagged weight.
    """

    unit: str
    events: tuple[tuple[str, float], ...]
    mfn_only: bool = False
    worst_only: bool = False
    population: str = "purchase_date between $start and $end"
    share_of: str | None = None  # default: the unit


_DEFECTS = (("negative feedback", 1.0), ("A-to-z claim", 1.0), ("chargeback", 1.0))
DRIVER_SPECS: dict[str, DriverSpec] = {
    "odr": DriverSpec("orders with a defect", _DEFECTS),
    "odr_long": DriverSpec("orders with a defect", _DEFECTS),
    "negative_feedback_rate": DriverSpec("orders with negative feedback", (("negative feedback", 1.0),)),
    "a_to_z_claim_rate": DriverSpec("orders with an A-to-z claim", (("A-to-z claim", 1.0),)),
    "chargeback_rate": DriverSpec("orders with a chargeback", (("chargeback", 1.0),)),
    "cancel_rate": DriverSpec("orders cancelled by the seller", (("seller cancellation", 1.0),), mfn_only=True),
    # Late shipments count by ship-by date, which fct_orders does not carry: the first late day is
    # the day after the ship-by date, so the window is taken on it.
    "late_shipment_rate": DriverSpec(
        "late shipments",
        (("late shipment", 1.0),),
        mfn_only=True,
        population=(
            "coalesce(late_shipment_from_day - 1, purchase_date) between $start and $end "
            "and not coalesce(cancelled_day <= $d, false)"
        ),
    ),
    "perfect_order_percentage": DriverSpec(
        "orders that are not perfect",
        (
            ("defect", 1.0),
            ("seller cancellation", 1.0),
            ("late shipment", 1.0),
            ("refund", 1.0),
            ("buyer contact", 1.0),
        ),
    ),
    # points lost: 100 - the order's points (100 for a 0-point event, 600 for a defect)
    "order_quality_score": DriverSpec(
        "orders that lost points",
        (("defect", 600.0), ("late shipment", 100.0), ("seller cancellation", 100.0), ("late reply", 100.0)),
        worst_only=True,
        share_of="points lost",
    ),
    "response_within_24h_rate": DriverSpec(
        "orders with a late reply", (("late reply", 1.0),), population="buyer_contact_day between $start and $end"
    ),
    "avg_response_hours": DriverSpec(
        "orders with a late reply", (("late reply", 1.0),), population="buyer_contact_day between $start and $end"
    ),
}


def load_drivers(con: duckdb.DuckDBPyConnection, sm: SellerMarket, s: Series) -> Drivers | None:
    """The drivers of one series on the report's day, or None when the warehouse has none for it."""
    if s.window is None:
        return None
    if s.metric == "return_dissatisfaction_rate":
        return _return_drivers(con, sm, s)
    spec = DRIVER_SPECS.get(s.metric)
    if spec is None or not _has_columns(con, "fct_orders", ("defect_day", "ship_service_level")):
        return None
    channel = "MFN" if spec.mfn_only else s.channel
    events = ", ".join(f"{_EVENTS[name]} as e{i}" for i, (name, _) in enumerate(spec.events))
    rows = con.execute(
        f"""
        select coalesce(skus, '(none)'), coalesce(carrier, '(none)'), coalesce(ship_service_level, '(none)'),
               {events}
        from marts.fct_orders
        where seller_id = $seller and marketplace_id = $market
          and ($channel = 'ALL' or fulfillment_channel = $channel)
          and {spec.population}
        """,
        {
            "seller": sm.seller_id,
            "market": sm.marketplace_id,
            "channel": channel,
            "start": s.window[0],
            "end": s.window[1],
            "d": sm.as_of_date,
        },
    ).fetchall()
    units = []
    for skus, carrier, level, *flags in rows:
        present = [(name, weight) for (name, weight), flag in zip(spec.events, flags, strict=True) if flag]
        if spec.worst_only and present:
            worst = max(w for _, w in present)
            present = [(n, w) for n, w in present if w == worst]
        weight = max((w for _, w in present), default=0.0) if spec.worst_only else float(bool(present))
        units.append(_Unit(skus.split("|"), carrier, level, [n for n, _ in present], weight))
    return _summarise(spec.unit, units, s.window, spec.share_of)


def _return_drivers(con: duckdb.DuckDBPyConnection, sm: SellerMarket, s: Series) -> Drivers | None:
    if not _has_columns(con, "fct_return_requests", ("negative_reason",)):
        return None
    rows = con.execute(
        """
        select coalesce(skus, '(none)'), coalesce(carrier, '(none)'), coalesce(ship_service_level, '(none)'),
               case when negative_from_day <= $d then negative_reason end
        from marts.fct_return_requests
        where seller_id = $seller and marketplace_id = $market
          and requested_date between $start and $end and not_pending_from_day <= $d
        """,
        {
            "seller": sm.seller_id,
            "market": sm.marketplace_id,
            "start": s.window[0],
            "end": s.window[1],
            "d": sm.as_of_date,
        },
    ).fetchall()
    units = [
        _Unit(skus.split("|"), carrier, level, [reason] if reason else [], float(reason is not None))
        for skus, carrier, level, reason in rows
    ]
    return _summarise("return requests the buyer was not satisfied with", units, s.window)


@dataclass(frozen=True)
class _Unit:
    skus: list[str]
    carrier: str
    level: str
    events: list[str]
    weight: float  # 0 when not flagged


def _summarise(unit: str, units: list[_Unit], window: tuple[date, date], share_of: str | None = None) -> Drivers:
    """Breakdowns whose shares add up to 1: a unit's weight is split evenly over its events and SKUs."""
    flagged = [u for u in units if u.weight > 0]
    total = sum(u.weight for u in flagged)
    out = Drivers(unit, share_of or unit, len(flagged), len(units), window, total)

    def names(u: _Unit, by: str) -> list[str]:
        return {"event": u.events, "sku": u.skus, "carrier": [u.carrier], "level": [u.level]}[by]

    for by, _ in BREAKDOWNS:
        weights: dict[str, float] = {}
        counts: dict[str, int] = {}
        population: dict[str, int] = {}
        for u in units:
            these = names(u, by) if (by != "event" or u.weight > 0) else []
            for name in set(these):
                population[name] = population.get(name, 0) + 1
                if u.weight > 0:
                    counts[name] = counts.get(name, 0) + 1
                    weights[name] = weights.get(name, 0.0) + u.weight / len(set(these))
        ranked = sorted(weights, key=lambda n: (-weights[n], -counts[n], n))
        lines = [Driver(n, counts[n], population[n], weights[n] / total) for n in ranked[:TOP_DRIVERS]]
        rest = ranked[TOP_DRIVERS:]
        if rest:
            lines.append(
                Driver(
                    f"all others ({len(rest)})",
                    sum(counts[n] for n in rest),
                    sum(population[n] for n in rest),
                    sum(weights[n] for n in rest) / total,
                )
            )
        out.breakdowns[by] = lines
    return out


def _has_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> bool:
    found = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
            [table],
        ).fetchall()
    }
    return set(columns) <= found


# ---------- the next step

_EVENT_STEPS = {
    "negative feedback": "ask the buyers behind the negative feedback what went wrong and fix it on {sku}",
    "A-to-z claim": "answer buyers before they file an A-to-z claim, starting with orders of {sku}",
    "chargeback": "send proof of delivery for the chargebacks, most of them on {sku}",
    "defect": "contact the buyers of defective orders before they leave feedback or claims, starting with {sku}",
    "seller cancellation": "keep the stock of {sku} in sync so that no order has to be cancelled",
    "late shipment": "confirm shipment before the ship-by date: most late orders go {level} by {carrier}",
    "refund": "check the listing and the packing of {sku}, the most refunded SKU",
    "buyer contact": "answer buyers' questions before they ask: most contacts are about {sku} "
    "(delivery dates and tracking in the confirmation, details in the listing)",
    "late reply": "reply to every buyer message within 24 hours, weekends included",
    "not answered within 48 h": "answer every return request within 48 hours",
    "rejected in policy": "authorize returns that are within your return policy",
    "negative return feedback": "follow up on returns until the buyer says they are resolved",
}

_METRIC_STEPS = {
    "customer_service_rating": "Read the buyer-seller threads rated NO and answer the open questions fully and "
    "in time.",
    "customer_service_dissatisfaction_rate": "Read the buyer-seller threads rated NO and answer the open "
    "questions fully and in time.",
    "valid_tracking_rate": "Upload a valid tracking number with every shipment confirmation.",
    "on_time_delivery_rate": "Give carriers enough time: ship earlier or set a longer delivery estimate.",
    "response_within_24h_rate": "Reply to every buyer message within 24 hours, weekends included.",
    "avg_response_hours": "Reply to every buyer message within 24 hours, weekends included.",
}


def next_step(s: Series, drivers: Drivers | None) -> str:
    """One sentence: what to do first about this metric, from its biggest driver."""
    top_event = drivers.top("event") if drivers else None
    if top_event in _EVENT_STEPS:
        share = next(d.share for d in drivers.breakdowns["event"] if d.name == top_event)
        action = _EVENT_STEPS[top_event].format(
            sku=drivers.top("sku") or "your best sellers",
            carrier=drivers.top("carrier") or "your carrier",
            level=drivers.top("level") or "standard",
        )
        return f"{action[0].upper()}{action[1:]} ({top_event}: {share:.0%} of the {drivers.share_of})."
    if s.metric in _METRIC_STEPS:
        return _METRIC_STEPS[s.metric]
    return f"Look at the orders behind the {s.name.lower()} and fix the most common cause first."


# ---------- charts

WIDTH, HEIGHT = 420, 180
LEFT, RIGHT, TOP, BOTTOM = 58, 10, 10, 24
# The least span a chart's value axis shows, per unit: 0.4 points of order quality score must not
# fill the chart (it would look like a crash).
_MIN_SPAN = {"avg_response_hours": 4.0, "order_quality_score": 20.0, "customer_service_rating": 4.0}
_BOUNDS = {"order_quality_score": (-500.0, 100.0), "customer_service_rating": (0.0, 10.0)}


def _nice_step(span: float, ticks: int = 4) -> float:
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def value_axis(metric: str, values: Sequence[float]) -> tuple[float, float, list[float]]:
    """The axis (low, high, ticks) for a metric's values: round ticks, rates within 0 to 100 %."""
    lo, hi = min(values), max(values)
    min_span = _MIN_SPAN.get(metric, 0.01 if is_rate(metric) else 1.0)
    if hi - lo < min_span:
        middle = (hi + lo) / 2
        lo, hi = middle - min_span / 2, middle + min_span / 2
    floor, ceiling = (0.0, 1.0) if is_rate(metric) else _BOUNDS.get(metric, (0.0, math.inf))
    if lo < floor:
        lo, hi = floor, min(ceiling, hi + (floor - lo))
    if hi > ceiling:
        lo, hi = max(floor, lo - (hi - ceiling)), ceiling
    step = _nice_step(hi - lo)
    lo = max(floor, math.floor(lo / step + 1e-9) * step)
    hi = min(ceiling, math.ceil(hi / step - 1e-9) * step)
    ticks = []
    tick = lo
    while tick <= hi + step * 1e-6:
        ticks.append(round(tick, 10))
        tick += step
    return lo, hi, ticks


def _tick_label(metric: str, value: float, step: float) -> str:
    if is_rate(metric):
        digits = 0 if step >= 0.01 else 1 if step >= 0.001 else 2
        return f"{value * 100:.{digits}f}%"
    digits = 0 if step >= 1 else 1
    return f"{value:.{digits}f}"


def date_ticks(first_day: date, last_day: date) -> list[date]:
    """The 1st and 15th of each month in the range."""
    out = []
    day = first_day
    while day <= last_day:
        if day.day in (1, 15):
            out.append(day)
        day += timedelta(days=1)
    return out


def chart_svg(series: Series, first_day: date, last_day: date) -> str:
    """A line chart of the series over [first_day, last_day]: value line, target and warning lines, breach days."""
    n_days = (last_day - first_day).days + 1
    points = {p.day: p for p in series.points or []}
    values = [p.value for p in points.values() if p.value is not None]
    levels = [v for v in (series.target, series.warning_level) if v is not None]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(n_days - 1, 1)
    lo, hi, ticks = value_axis(series.metric, values + levels or [0.0])

    def x(i: int) -> float:
        return LEFT + i * step

    def y(v: float) -> float:
        v = min(max(v, lo), hi)
        return TOP + (hi - v) / (hi - lo) * plot_h

    breaches = [
        (i, p.status)
        for i in range(n_days)
        if (p := points.get(first_day + timedelta(days=i))) is not None and p.status in BREACH
    ]
    label = f"{series.name}, {series.channel} {series.window_days}d, {first_day} to {last_day}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(label)}" data-metric="{series.metric}" data-channel="{series.channel}" '
        f'data-window="{series.window_days}" data-breach-days="{len(breaches)}" data-axis-low="{lo:g}" '
        f'data-axis-high="{hi:g}">',
        f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}"/>',
    ]
    tick_step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for tick in ticks:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="axis ytick" x="{LEFT - 4}" y="{y(tick) + 3.5:.1f}" text-anchor="end">'
            f"{html.escape(_tick_label(series.metric, tick, tick_step))}</text>"
        )
    for day in date_ticks(first_day, last_day):
        i = (day - first_day).days
        parts.append(
            f'<line class="grid" x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{TOP}" y2="{TOP + plot_h}"/>'
            f'<text class="axis xtick" x="{x(i):.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{day:%b} {day.day}</text>"
        )
    band = max(step, 1.5)
    for i, status in breaches:
        parts.append(
            f'<rect class="breach {status.lower()}" x="{x(i) - band / 2:.1f}" y="{TOP}" width="{band:.1f}" '
            f'height="{plot_h}"><title>{first_day + timedelta(days=i)}: {status}</title></rect>'
        )
    if series.warning_level is not None:
        parts.append(
            f'<line class="warning-level" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(series.warning_level):.1f}" '
            f'y2="{y(series.warning_level):.1f}" data-warning="{series.warning_level}"><title>warning level '
            f"{html.escape(format_value(series.metric, series.warning_level))}</title></line>"
        )
    if series.target is not None:
        condition = CONDITIONS.get(series.target_condition, "?")
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
    if not values:
        parts.append(
            f'<text class="axis" x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">no data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------- the page

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #1d232a; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 6px; border-top: 2px solid #ccd3da; padding-top: 14px; }
h3 { font-size: 16px; margin: 22px 0 6px; } h4 { font-size: 14px; margin: 10px 0 4px; }
.meta { color: #5c6670; font-weight: normal; } nav a { margin-right: 14px; }
table { border-collapse: collapse; margin: 4px 0 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e3e7eb; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; padding: 1px 6px; border-radius: 3px; font-size: 12px; white-space: nowrap; }
.GOOD { background: #dff3e4; color: #1e6b34; } .WARNING { background: #fff1cc; color: #7a5600; }
.BAD, .CRITICAL { background: #fbdcdc; color: #9b1c1c; } .NO_DATA, .NO_TARGET { background: #eef0f2; color: #5c6670; }
.summary { font-size: 15px; }
.card, .card.BAD, .card.WARNING { background: #fff; color: #1d232a; border: 1px solid #e3e7eb;
        border-left: 5px solid #e5484d; border-radius: 4px; padding: 10px 14px; margin: 12px 0; }
.card.WARNING { border-left-color: #f5a524; }
.card h3 { margin: 0 0 4px; } .card p { margin: 4px 0; } .step { font-size: 15px; margin: 6px 0 10px; }
.card .row { display: flex; gap: 14px; align-items: flex-start; } .card .row > div:last-child { flex: 1; min-width: 0; }
td { white-space: nowrap; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; padding: 6px; border: 1px solid #e3e7eb; border-radius: 4px; }
figcaption { font-size: 12px; margin-bottom: 2px; }
svg.chart .plot { fill: #fbfcfd; stroke: #d5dbe1; }
svg.chart .grid { stroke: #e6eaee; stroke-width: 1; }
svg.chart .breach.bad { fill: #e5484d; fill-opacity: 0.22; }
svg.chart .breach.warning { fill: #f5a524; fill-opacity: 0.28; }
svg.chart .target { stroke: #9b1c1c; stroke-width: 1.2; stroke-dasharray: 5 3; }
svg.chart .warning-level { stroke: #c27c00; stroke-width: 1.2; stroke-dasharray: 2 3; }
svg.chart polyline.value { fill: none; stroke: #2563eb; stroke-width: 1.8; } svg.chart circle.value { fill: #2563eb; }
svg.chart .axis { font-size: 10px; fill: #5c6670; }
.legend span { margin-right: 14px; } .swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px;
               vertical-align: middle; }
.drivers table { font-size: 12.5px; margin: 0; } .drivers th, .drivers td { padding: 2px 5px; }
.alerts code { font-size: 11px; } .drivers { display: grid; grid-template-columns: repeat(2, max-content);
          gap: 8px 22px; } .drivers td:first-child { max-width: 180px; overflow: hidden; text-overflow: ellipsis; }
"""

LEGEND = (
    "<p class='legend meta'><span><span class='swatch' style='background:#2563eb'></span>value</span>"
    "<span><span class='swatch' style='border-top:2px dashed #9b1c1c;height:0'></span>target</span>"
    "<span><span class='swatch' style='border-top:2px dotted #c27c00;height:0'></span>warning level</span>"
    "<span><span class='swatch' style='background:#e5484d;opacity:.5'></span>BAD day</span>"
    "<span><span class='swatch' style='background:#f5a524;opacity:.5'></span>WARNING day</span></p>"
)


def _status(status: str) -> str:
    return f'<span class="status {html.escape(status)}">{html.escape(status)}</span>'


def _target(metric: str, target: float | None, condition: str | None, warning: float | None = None) -> str:
    return html.escape(format_target(metric, target, condition, warning))


def _series_label(s: Series) -> str:
    return f"{s.name} <span class='meta'>{s.channel}, {s.window_days} days</span>"


def _status_table(sm: SellerMarket) -> str:
    open_series = {(a.metric, a.channel, a.window_days): a for a in sm.alerts}
    rows = []
    ordered = sorted(sm.series, key=lambda s: (status_rank(sm.status(s)), metric_rank(s.metric), s.channel))
    for s in ordered:
        current = sm.today(s)
        alert = open_series.get(s.key)
        status = current.status if current else "NO_DATA"
        warning = s.warning_level if status == "WARNING" else None
        rows.append(
            f"<tr data-metric='{s.metric}'><td>{html.escape(s.name)}</td><td>{s.channel}</td>"
            f"<td class='num'>{s.window_days}d</td>"
            f"<td class='num'>{html.escape(format_value(s.metric, current.value if current else None))}</td>"
            f"<td class='num'>{_target(s.metric, s.target, s.target_condition, warning)}</td>"
            f"<td>{_status(status)}</td>"
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
        f"<tr data-metric='{a.metric}'><td>{_status(a.severity)}</td><td class='num'>{a.days_open}</td>"
        f"<td>{html.escape(metric_name(a.metric))}</td>"
        f"<td>{a.channel}</td><td class='num'>{a.window_days}d</td><td>{a.opened_on}</td>"
        f"<td>{a.last_breached_on or '-'}</td>"
        f"<td class='num'>{html.escape(format_value(a.metric, a.value))}</td>"
        f"<td class='num'>{_target(a.metric, a.target, a.target_condition, a.warning_level)}</td>"
        f"<td>{html.escape(a.acknowledged_by or '')}</td><td><code>{a.alert_id}</code></td></tr>"
        for a in alerts
    )
    return (
        "<table class='alerts'><thead><tr><th>severity</th><th class='num'>days open</th><th>metric</th>"
        "<th>channel</th><th class='num'>window</th><th>opened</th><th>last breach</th><th class='num'>value</th>"
        "<th class='num'>target</th><th>acknowledged by</th><th>alert_id</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _drivers_tables(s: Series, drivers: Drivers) -> str:
    start, end = drivers.window
    intro = (
        f"<p class='meta'>{html.escape(drivers.unit.capitalize())}: {drivers.flagged:,} of {drivers.population:,} "
        f"in the window {start} to {end}. Shares are of the {html.escape(drivers.share_of)} and add up to "
        f"100 %: an order with several events or SKUs counts in equal parts for each.</p>"
    )
    tables = []
    for by, heading in BREAKDOWNS:
        lines = drivers.breakdowns.get(by, [])
        if not lines:
            continue
        rows = "".join(
            f"<tr><td>{html.escape(d.name)}</td><td class='num'>{d.flagged:,}</td>"
            f"<td class='num'>{'' if by == 'event' else f'{d.population:,}'}</td>"
            f"<td class='num'>{'' if by == 'event' or d.rate is None else f'{d.rate:.1%}'}</td>"
            f"<td class='num'>{d.share:.0%}</td></tr>"
            for d in lines
        )
        tables.append(
            f"<table class='contributors' data-metric='{s.metric}' data-by='{by}'><thead><tr>"
            f"<th>{heading}</th><th class='num'>flagged</th><th class='num'>of</th>"
            f"<th class='num'>rate</th><th class='num'>share</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return intro + "<div class='drivers'>" + "".join(f"<div>{t}</div>" for t in tables) + "</div>"


def _attention(sm: SellerMarket) -> str:
    if not sm.attention:
        return "<p class='summary'>Every metric with a target is GOOD: nothing to do.</p>"
    first_day = sm.as_of_date - timedelta(days=TREND_DAYS - 1)
    alerts = {(a.metric, a.channel, a.window_days): a for a in sm.alerts}
    cards = []
    for s in sm.attention:
        status = sm.status(s)
        current = sm.today(s)
        drivers = sm.drivers.get(s.key)
        alert = alerts.get(s.key)
        since = (
            f" · {alert.severity.lower()} alert open {alert.days_open} days (since {alert.opened_on})" if alert else ""
        )
        warning = s.warning_level if status == "WARNING" else None
        cards.append(
            f"<div class='card {status}' data-metric='{s.metric}' data-channel='{s.channel}' "
            f"data-window='{s.window_days}'>"
            f"<h3>{_series_label(s)} {_status(status)}</h3>"
            f"<p>{html.escape(format_value(s.metric, current.value if current else None))}, target "
            f"{_target(s.metric, s.target, s.target_condition, warning)}{html.escape(since)}</p>"
            f"<p class='step'><b>Next step:</b> {html.escape(next_step(s, drivers))}</p>"
            f"<div class='row'><div>{chart_svg(s, first_day, sm.as_of_date)}</div>"
            f"<div>{_drivers_tables(s, drivers) if drivers else _no_drivers(s)}</div></div>"
            "</div>"
        )
    return "".join(cards)


def _no_drivers(s: Series) -> str:
    return f"<p class='meta'>The warehouse has no order-level breakdown for the {html.escape(s.name.lower())}.</p>"


def _summary(sm: SellerMarket) -> str:
    bad = [s for s in sm.attention if sm.status(s) == "BAD"]
    warning = [s for s in sm.attention if sm.status(s) == "WARNING"]
    parts = []
    if bad:
        parts.append(f"{len(bad)} below target ({', '.join(html.escape(s.name) for s in bad)})")
    if warning:
        parts.append(f"{len(warning)} at the warning level ({', '.join(html.escape(s.name) for s in warning)})")
    critical = sum(a.severity == "CRITICAL" for a in sm.alerts)
    alerts = f"{len(sm.alerts)} open alerts, {critical} critical."
    if not parts:
        return f"<p class='summary'>All metrics with a target are GOOD. {alerts}</p>"
    return f"<p class='summary'>{'; '.join(parts)}. {alerts}</p>"


def _charts(sm: SellerMarket) -> str:
    first_day = sm.as_of_date - timedelta(days=TREND_DAYS - 1)
    shown = {s.key for s in sm.attention}
    figures = []
    for s in sm.series:
        if s.key in shown:
            continue
        current = sm.today(s)
        caption = (
            f"<b>{html.escape(s.name)}</b> {s.channel} {s.window_days}d: "
            f"{html.escape(format_value(s.metric, current.value if current else None))} "
            f"{_status(current.status if current else 'NO_DATA')}"
        )
        figures.append(f"<figure><figcaption>{caption}</figcaption>{chart_svg(s, first_day, sm.as_of_date)}</figure>")
    return "<div class='charts'>" + "".join(figures) + "</div>"


def render_report(sellers: list[SellerMarket], generated_at: datetime, source: str) -> str:
    nav = " ".join(f"<a href='#{sm.anchor}'>{html.escape(sm.title)}</a>" for sm in sellers)
    sections = []
    for sm in sellers:
        sections.append(
            f"<section id='{sm.anchor}' data-seller='{sm.seller_id}' data-marketplace='{sm.marketplace_id}'>"
            f"<h2>{html.escape(sm.title)} <span class='meta'>{marketplace_code(sm.marketplace_id)} "
            f"({sm.marketplace_id}), as of {sm.as_of_date}</span></h2>"
            f"{_summary(sm)}"
            f"<h3>Needs attention</h3>{LEGEND if sm.attention else ''}{_attention(sm)}"
            f"<h3>Open alerts</h3>{_alerts_table(sm.alerts)}"
            f"<h3>Every metric, worst first</h3>{_status_table(sm)}"
            f"<h3>The other metrics, last {TREND_DAYS} days</h3>{LEGEND}{_charts(sm)}"
            f"{sm.amazon_html}"
            "</section>"
        )
    body = "".join(sections) or "<p>No metrics in the warehouse.</p>"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Seller health</title><style>{CSS}</style></head><body>"
        f"<h1>Seller health</h1><p class='meta'>Generated {generated_at:%Y-%m-%d %H:%M} UTC from "
        f"{html.escape(source)}. Everything on the page is as it was known at the end of its as-of day.</p>"
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
    for key, s in sorted(series.items(), key=lambda kv: (kv[0][:2], metric_rank(kv[0][2]), kv[0][3:])):
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
    lo, hi, _ = value_axis(s.metric, values + ([s.target] if s.target is not None else []) or [0.0])

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
            f'data-target="{s.target}"><title>target {html.escape(CONDITIONS.get(s.target_condition, "?"))} '
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
