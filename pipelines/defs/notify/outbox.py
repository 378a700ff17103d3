"""The outbox `marts.alert_notifications`: what changed in `marts.alerts`, routed, and what became of each message.

Changes are found by comparing `marts.alerts` with `marts.alert_notification_state`, the alerts as the
previous run left them (id, status, severity). Both are read and the outbox and the state are written
in one transaction right after the alerts asset updated the table, so a change is recorded exactly
once even when a run dies halfway: a run that dies before this step leaves the old state, and the
next run finds the same changes.

A change is one of
- OPENED: an alert id not seen before that is OPEN (or one seen RESOLVED that is OPEN again);
- ESCALATED: an OPEN alert seen as WARNING that is now CRITICAL (also an alert first seen OPEN and
  CRITICAL whose opening is older than the recent period but whose first BAD day is within it);
- RESOLVED: an alert seen OPEN (or never seen) that is now RESOLVED.
An alert that vanished from the table (restated history) is no change to tell anyone about.

Each change that a route takes gets one row per channel of the route. Rows of changes whose day is
older than the recent period are SKIPPED with the reason (a backfill pages nobody about last year);
the others are PENDING and share one idempotency key per route, channel and run: one message each.
Delivery (`deliver.py`) sends them and records SENT or FAILED.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from pipelines.defs.notify.config import NotificationsConfig, Route
from pipelines.lib.layout import MARKETPLACES
from pipelines.lib.warehouse import comment_table, transaction

OUTBOX_TABLE = "marts.alert_notifications"
STATE_TABLE = "marts.alert_notification_state"
PENDING, SENT, FAILED, SKIPPED = "PENDING", "SENT", "FAILED", "SKIPPED"
OPENED, ESCALATED, RESOLVED = "OPENED", "ESCALATED", "RESOLVED"

OUTBOX_DDL = f"""
create table if not exists {OUTBOX_TABLE} (
    notification_id varchar not null,   -- hash of alert_id, change, route and channel: recorded once
    alert_id varchar not null,          -- the row of marts.alerts
    change varchar not null,            -- OPENED, ESCALATED, RESOLVED
    change_day date not null,           -- the data day of the change: opened_on, first BAD day, resolved_on
    route varchar not null,             -- the route of notifications.yml that took the change
    channel varchar not null,           -- the route's channel this row is sent through
    status varchar not null,            -- PENDING, SENT, FAILED (retried later unless next_attempt_at is NULL), SKIPPED
    reason varchar,                     -- why SKIPPED, or why a FAILED row is no longer retried
    attempts integer not null,          -- send attempts so far
    last_error varchar,                 -- of the latest failed attempt (secrets replaced by ***)
    last_attempt_at timestamp,          -- when the latest attempt was made
    next_attempt_at timestamp,          -- a FAILED row is retried by the first run after this time
    sent_at timestamp,                  -- when the message was accepted by the channel
    idempotency_key varchar not null,   -- one per message: the same on every attempt (header and field)
    recorded_at timestamp not null,     -- when the change was found
    seller_id varchar not null,         -- the alert as it was when the change was found
    marketplace_id varchar not null,    -- Amazon marketplace id
    source varchar not null,            -- sellerhealth, or amazon for Account Health alerts
    fulfillment_channel varchar not null, -- MFN, AFN or ALL, as in marts.alerts
    metric varchar not null,            -- the metric's id, as in marts.alerts
    window_days integer not null,       -- the metric's window in days
    severity varchar not null,          -- CRITICAL or WARNING
    opened_on date not null,            -- first day of the episode
    resolved_on date,                   -- first GOOD day after it; NULL while open
    days_open integer not null,         -- opened_on up to resolved_on, or up to the latest day of data
    value double,                       -- the value on the alert's last breach day
    target double,                      -- the target on that day
    target_condition varchar,           -- LESS_THAN, GREATER_THAN or AT_LEAST
    behind varchar,                     -- the orders or SKUs behind it, where the warehouse knows them
    headroom varchar                    -- on the series' latest day: orders to recover, or events to a breach
)
"""

STATE_DDL = f"""
create table if not exists {STATE_TABLE} (
    alert_id varchar not null,          -- marts.alerts as the previous run left it
    status varchar not null,            -- OPEN or RESOLVED, as last notified
    severity varchar not null           -- CRITICAL or WARNING, as last notified
)
"""

# Columns of the outbox that describe the change; rendering reads only these.
CHANGE_COLUMNS = (
    "alert_id",
    "change",
    "change_day",
    "seller_id",
    "marketplace_id",
    "source",
    "fulfillment_channel",
    "metric",
    "window_days",
    "severity",
    "opened_on",
    "resolved_on",
    "days_open",
    "value",
    "target",
    "target_condition",
    "behind",
    "headroom",
)

# Orders behind a metric: the flag of marts.fct_orders that marks its bad orders.
_FLAGS = {
    "odr": "is_defect",
    "odr_long": "is_defect",
    "late_shipment_rate": "is_late_shipment",
    "cancel_rate": "is_seller_cancelled",
    "negative_feedback_rate": "has_negative_feedback",
    "a_to_z_claim_rate": "has_counted_claim",
    "chargeback_rate": "has_service_chargeback",
}
TOP_SKUS = 3


@dataclass(frozen=True)
class AlertState:
    alert_id: str
    seller_id: str
    marketplace_id: str
    source: str
    fulfillment_channel: str
    metric: str
    window_days: int
    severity: str
    status: str
    opened_on: date
    last_breached_on: date
    resolved_on: date | None
    value: float | None
    target: float | None
    target_condition: str | None


@dataclass
class Recorded:
    changes: int  # changes found
    pending: int  # outbox rows to send
    skipped: int  # outbox rows not sent (older than the recent period)


def ensure_outbox_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists marts")
    con.execute(OUTBOX_DDL)
    con.execute(STATE_DDL)
    # BI tools show these next to the tables (docs/bi.md); the DDL's own comments are the text.
    comment_table(
        con,
        OUTBOX_TABLE,
        OUTBOX_DDL,
        "The notification outbox: one row per alert change and route (docs/notifications.md).",
    )
    comment_table(
        con, STATE_TABLE, STATE_DDL, "Each alert as the previous run notified it: what the next run compares with."
    )


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.columns where table_schema = ? and table_name = ? "
            "and column_name = ?",
            [schema, name, column],
        ).fetchone()[0]
    )


def read_alert_states(con: duckdb.DuckDBPyConnection) -> list[AlertState]:
    """Every row of marts.alerts; `source` is 'sellerhealth' while the table has no such column."""
    source = "source" if _has_column(con, "marts.alerts", "source") else "'sellerhealth'"
    rows = con.execute(
        f"""
        select alert_id, seller_id, marketplace_id, coalesce({source}, 'sellerhealth'), fulfillment_channel,
               metric, window_days, severity, status, opened_on, last_breached_on, resolved_on, value, target,
               target_condition
        from marts.alerts
        """
    ).fetchall()
    return [AlertState(*row) for row in rows]


def find_changes(before: dict[str, tuple[str, str]], after: Iterable[AlertState]) -> list[tuple[str, AlertState]]:
    """(change, alert) for every alert whose status or severity changed in a way people act on.

    `before` maps alert_id to (status, severity) as the previous run left it.
    """
    out = []
    for alert in after:
        seen = before.get(alert.alert_id)
        if alert.status == "OPEN":
            if seen is None or seen[0] == "RESOLVED":
                out.append((OPENED, alert))
            elif seen[1] == "WARNING" and alert.severity == "CRITICAL":
                out.append((ESCALATED, alert))
        elif alert.status == "RESOLVED" and (seen is None or seen[0] == "OPEN"):
            out.append((RESOLVED, alert))
    return sorted(out, key=lambda c: (c[1].seller_id, c[1].marketplace_id, c[1].metric, c[1].opened_on, c[0]))


def _escalation_day(con: duckdb.DuckDBPyConnection, alert: AlertState) -> date:
    """The first BAD day of the episode (the day it became CRITICAL), else its latest breached day."""
    row = con.execute(
        """
        select min(as_of_date) from marts.seller_metrics_daily
        where seller_id = ? and marketplace_id = ? and fulfillment_channel = ? and metric = ? and window_days = ?
          and as_of_date between ? and ? and status = 'BAD'
        """,
        [
            alert.seller_id,
            alert.marketplace_id,
            alert.fulfillment_channel,
            alert.metric,
            alert.window_days,
            alert.opened_on,
            alert.last_breached_on,
        ],
    ).fetchone()
    return row[0] if row and row[0] else alert.last_breached_on


def change_day(con: duckdb.DuckDBPyConnection, change: str, alert: AlertState) -> date:
    if change == RESOLVED:
        return alert.resolved_on or alert.last_breached_on
    if change == ESCALATED:
        try:
            return _escalation_day(con, alert)
        except duckdb.Error:
            return alert.last_breached_on
    return alert.opened_on


def latest_days(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], date]:
    """The latest day of data per seller and marketplace (the recent period ends there)."""
    try:
        rows = con.execute(
            "select seller_id, marketplace_id, max(as_of_date) from marts.seller_metrics_daily group by 1, 2"
        ).fetchall()
    except duckdb.CatalogException:
        return {}
    return {(s, m): d for s, m, d in rows}


def behind(con: duckdb.DuckDBPyConnection, alert: AlertState) -> str | None:
    """The orders and SKUs behind the alert on its latest breached day, where the warehouse knows them."""
    parts: list[str] = []
    window: tuple[date, date] | None = None
    try:
        row = con.execute(
            """
            select numerator, denominator, window_start, window_end from marts.seller_metrics_daily
            where seller_id = ? and marketplace_id = ? and fulfillment_channel = ? and metric = ?
              and window_days = ? and as_of_date = ?
            """,
            [
                alert.seller_id,
                alert.marketplace_id,
                alert.fulfillment_channel,
                alert.metric,
                alert.window_days,
                alert.last_breached_on,
            ],
        ).fetchone()
    except duckdb.Error:
        row = None
    if row:
        numerator, denominator, window_start, window_end = row
        window = (window_start, window_end)
        if numerator is not None and denominator:
            parts.append(f"{numerator:,.0f} of {denominator:,} in the window {window_start} .. {window_end}")
    flag = _FLAGS.get(alert.metric)
    if flag and window:
        channel = None if alert.fulfillment_channel in ("ALL", "") else alert.fulfillment_channel
        try:
            skus = con.execute(
                f"""
                select sku, count(distinct amazon_order_id) as orders
                from (
                    select amazon_order_id, unnest(string_split(skus, '|')) as sku
                    from marts.fct_orders
                    where seller_id = ? and marketplace_id = ? and {flag}
                      and purchase_date between ? and ?
                      and (?::varchar is null or fulfillment_channel = ?::varchar)
                )
                group by sku order by orders desc, sku limit {TOP_SKUS}
                """,
                [alert.seller_id, alert.marketplace_id, window[0], window[1], channel, channel],
            ).fetchall()
        except duckdb.Error:
            skus = []
        if skus:
            parts.append(
                "top SKUs: " + ", ".join(f"{sku} ({orders} order{'s' if orders != 1 else ''})" for sku, orders in skus)
            )
    return "; ".join(parts) or None


def headroom(con: duckdb.DuckDBPyConnection, alert: AlertState) -> str | None:
    """How far the series is from its target on its latest day, once the warehouse has the headroom columns.

    `orders_to_recover` on a BAD day, `events_to_breach` on a GOOD or WARNING one (docs/notifications.md).
    """
    if not (
        _has_column(con, "marts.seller_metrics_daily", "orders_to_recover")
        and _has_column(con, "marts.seller_metrics_daily", "events_to_breach")
    ):
        return None
    row = con.execute(
        """
        select as_of_date, orders_to_recover, events_to_breach from marts.seller_metrics_daily
        where seller_id = ? and marketplace_id = ? and fulfillment_channel = ? and metric = ? and window_days = ?
        order by as_of_date desc limit 1
        """,
        [alert.seller_id, alert.marketplace_id, alert.fulfillment_channel, alert.metric, alert.window_days],
    ).fetchone()
    if not row:
        return None
    day, to_recover, to_breach = row
    if to_recover is not None:
        return f"on {day}: {to_recover:,} more clean orders in the window bring it back within target"
    if to_breach is not None:
        return f"on {day}: {to_breach:,} more bad ones among the orders already in the window and it breaches"
    return None


def notification_id(alert_id: str, change: str, route: str, channel: str) -> str:
    return hashlib.sha256("|".join((alert_id, change, route, channel)).encode()).hexdigest()[:24]


def message_key(route: str, channel: str, notification_ids: Iterable[str]) -> str:
    """The idempotency key of one message: a function of what it carries, so a re-send keeps it."""
    text = "|".join((route, channel, *sorted(notification_ids)))
    return "sh-" + hashlib.sha256(text.encode()).hexdigest()[:32]


def record_changes(
    con: duckdb.DuckDBPyConnection, config: NotificationsConfig | None, now: datetime, recent_days: int
) -> Recorded:
    """Find the changes since the previous run, write them to the outbox and remember the new state.

    One transaction: either the outbox rows and the new state are both written or neither is.
    """
    ensure_outbox_tables(con)
    with transaction(con):
        after = read_alert_states(con)
        before = {
            a: (s, v) for a, s, v in con.execute(f"select alert_id, status, severity from {STATE_TABLE}").fetchall()
        }
        changes = find_changes(before, after)
        routes: tuple[Route, ...] = config.routes if config else ()
        latest = latest_days(con)
        existing = {r[0] for r in con.execute(f"select notification_id from {OUTBOX_TABLE}").fetchall()}
        rows: list[dict] = []
        for change, alert in changes:
            day = change_day(con, change, alert)
            last = latest.get((alert.seller_id, alert.marketplace_id), alert.last_breached_on)
            first_recent = last - timedelta(days=recent_days - 1)
            if (
                change == OPENED
                and day < first_recent
                and alert.severity == "CRITICAL"
                and alert.alert_id not in before
            ):
                # First seen long after it opened, but it turned CRITICAL within the recent period: that is news.
                escalated_on = change_day(con, ESCALATED, alert)
                if escalated_on >= first_recent:
                    change, day = ESCALATED, escalated_on
            recent = day >= first_recent
            taking = [r for r in routes if r.match.takes({**alert.__dict__, "change": change})]
            if not taking:
                continue
            end = alert.resolved_on or (last + timedelta(days=1))
            details = behind(con, alert) if recent else None
            room = headroom(con, alert) if recent else None
            for route in taking:
                for channel in route.channels:
                    nid = notification_id(alert.alert_id, change, route.name, channel)
                    if nid in existing:
                        continue
                    rows.append(
                        {
                            "notification_id": nid,
                            "alert_id": alert.alert_id,
                            "change": change,
                            "change_day": day,
                            "route": route.name,
                            "channel": channel,
                            "status": PENDING if recent else SKIPPED,
                            "reason": None
                            if recent
                            else f"the change's day {day} is before the recent period "
                            f"({first_recent} .. {last}, {recent_days} days of data): not sent",
                            "seller_id": alert.seller_id,
                            "marketplace_id": alert.marketplace_id,
                            "source": alert.source,
                            "fulfillment_channel": alert.fulfillment_channel,
                            "metric": alert.metric,
                            "window_days": alert.window_days,
                            "severity": alert.severity,
                            "opened_on": alert.opened_on,
                            "resolved_on": alert.resolved_on,
                            "days_open": max(0, (end - alert.opened_on).days),
                            "value": alert.value,
                            "target": alert.target,
                            "target_condition": alert.target_condition,
                            "behind": details,
                            "headroom": room,
                        }
                    )
        # One message per route and channel: every PENDING row of this run shares its key; a SKIPPED
        # row gets a key of its own (it is never sent).
        by_message: dict[tuple[str, str], list[str]] = {}
        for row in rows:
            if row["status"] == PENDING:
                by_message.setdefault((row["route"], row["channel"]), []).append(row["notification_id"])
        keys = {k: message_key(*k, ids) for k, ids in by_message.items()}
        for row in rows:
            row["idempotency_key"] = (
                keys[(row["route"], row["channel"])]
                if row["status"] == PENDING
                else message_key(row["route"], row["channel"], [row["notification_id"]])
            )
        _insert(con, rows, now)
        con.execute(f"delete from {STATE_TABLE}")
        con.execute(f"insert into {STATE_TABLE} select alert_id, status, severity from marts.alerts")
    pending = sum(r["status"] == PENDING for r in rows)
    return Recorded(len(changes), pending, len(rows) - pending)


_INSERT_COLUMNS = (
    "notification_id",
    "alert_id",
    "change",
    "change_day",
    "route",
    "channel",
    "status",
    "reason",
    "idempotency_key",
    "seller_id",
    "marketplace_id",
    "source",
    "fulfillment_channel",
    "metric",
    "window_days",
    "severity",
    "opened_on",
    "resolved_on",
    "days_open",
    "value",
    "target",
    "target_condition",
    "behind",
    "headroom",
)


def _insert(con: duckdb.DuckDBPyConnection, rows: list[dict], now: datetime) -> None:
    if not rows:
        return
    columns = ", ".join(_INSERT_COLUMNS)
    con.executemany(
        f"insert into {OUTBOX_TABLE} ({columns}, attempts, recorded_at) "
        f"values ({', '.join('?' for _ in _INSERT_COLUMNS)}, 0, ?)",
        [[row[c] for c in _INSERT_COLUMNS] + [now] for row in rows],
    )


# ---------- reading messages to send


@dataclass
class Message:
    """One message: the outbox rows of one idempotency key (one route, one channel)."""

    idempotency_key: str
    route: str
    channel: str
    notification_ids: list[str]
    changes: list[dict]
    attempts: int


def due_messages(con: duckdb.DuckDBPyConnection, now: datetime) -> list[Message]:
    """PENDING rows, and FAILED rows whose retry time has come, grouped into their messages."""
    columns = ", ".join(CHANGE_COLUMNS)
    result = con.execute(
        f"""
        select idempotency_key, route, channel, notification_id, attempts, {columns}
        from {OUTBOX_TABLE}
        where status = '{PENDING}' or (status = '{FAILED}' and next_attempt_at <= ?::timestamp)
        order by recorded_at, idempotency_key, seller_id, marketplace_id, metric, window_days, change, alert_id
        """,
        [now],
    )
    names = [d[0] for d in result.description]
    messages: dict[str, Message] = {}
    for values in result.fetchall():
        row = dict(zip(names, values, strict=True))
        message = messages.setdefault(
            row["idempotency_key"], Message(row["idempotency_key"], row["route"], row["channel"], [], [], 0)
        )
        message.notification_ids.append(row["notification_id"])
        message.attempts = max(message.attempts, row["attempts"])
        change = {c: row[c] for c in CHANGE_COLUMNS}
        market = MARKETPLACES.get(change["marketplace_id"])
        change["marketplace"] = market.code if market else change["marketplace_id"]
        messages[row["idempotency_key"]].changes.append(change)
    return list(messages.values())


def changes_json(changes: list[dict]) -> list[dict]:
    """The changes as JSON-ready dicts (dates as ISO text)."""
    return json.loads(json.dumps(changes, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))
