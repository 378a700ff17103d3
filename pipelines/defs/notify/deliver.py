"""Delivery: send the outbox's due messages, each recorded before and after it is sent.

Before a message goes out its rows get one more attempt (committed); after it, SENT or FAILED
(committed). A process killed in between leaves the rows as they were with one attempt more, so
the next delivery sends that one message again, with the same idempotency key: at most the message
in flight is repeated, and a receiver can drop the copy. A FAILED message is retried by the first
run after its backoff (the retry settings of notifications.yml) until `max_attempts`; a failing
channel never stops the other messages, nor the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from pipelines.defs.notify.channels import SendFailed, send
from pipelines.defs.notify.config import NotificationsConfig, Retry
from pipelines.defs.notify.outbox import (
    FAILED,
    OUTBOX_TABLE,
    SENT,
    SKIPPED,
    Message,
    due_messages,
    ensure_outbox_tables,
)
from pipelines.defs.notify.render import render


@dataclass
class Delivery:
    sent: list[Message] = field(default_factory=list)
    failed: list[tuple[Message, str]] = field(default_factory=list)
    skipped: list[tuple[Message, str]] = field(default_factory=list)


def backoff(retry: Retry, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: backoff_minutes, doubled each time, capped."""
    minutes = min(retry.max_backoff_minutes, retry.backoff_minutes * 2 ** (attempts - 1))
    return timedelta(minutes=minutes)


def _update(con: duckdb.DuckDBPyConnection, message: Message, assignments: str, params: list) -> None:
    placeholders = ", ".join("?" for _ in message.notification_ids)
    con.execute(
        f"update {OUTBOX_TABLE} set {assignments} where notification_id in ({placeholders})",
        [*params, *message.notification_ids],
    )


def deliver(
    con: duckdb.DuckDBPyConnection,
    config: NotificationsConfig,
    clock: Callable[[], datetime],
    log: Callable[[str], None] = lambda _: None,
) -> Delivery:
    """Send every due message of the outbox through its channel and record the outcome of each."""
    ensure_outbox_tables(con)
    out = Delivery()
    for message in due_messages(con, clock()):
        route = config.route(message.route)
        channel = config.channels.get(message.channel)
        if route is None or channel is None or message.channel not in route.channels:
            reason = f"route {message.route!r} with channel {message.channel!r} is no longer in {config.path}: not sent"
            _update(con, message, "status = ?, reason = ?", [SKIPPED, reason])
            out.skipped.append((message, reason))
            log(f"{message.idempotency_key}: {reason}")
            continue
        attempt, started = message.attempts + 1, clock()
        _update(con, message, "attempts = ?, last_attempt_at = ?", [attempt, started])
        try:
            rendered = render(config, message.route, message.changes)
            send(channel, rendered, message.route, message.idempotency_key, message.changes)
        except Exception as exc:  # any failure of one message is recorded, never raised
            error = config.scrub(str(exc) if isinstance(exc, SendFailed) else f"{type(exc).__name__}: {exc}")
            if attempt >= config.retry.max_attempts:
                _update(
                    con,
                    message,
                    "status = ?, last_error = ?, next_attempt_at = null, reason = ?",
                    [FAILED, error, f"gave up after {attempt} attempts"],
                )
            else:
                _update(
                    con,
                    message,
                    "status = ?, last_error = ?, next_attempt_at = ?",
                    [FAILED, error, started + backoff(config.retry, attempt)],
                )
            out.failed.append((message, error))
            log(
                f"route {message.route}, channel {message.channel}: attempt {attempt} failed: {error} "
                f"({len(message.changes)} changes, key {message.idempotency_key})"
            )
            continue
        _update(
            con,
            message,
            "status = ?, sent_at = ?, last_error = null, next_attempt_at = null, reason = null",
            [SENT, clock()],
        )
        out.sent.append(message)
        log(
            f"route {message.route}, channel {message.channel}: sent {len(message.changes)} changes "
            f"(key {message.idempotency_key})"
        )
    return out


def failing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str | None, datetime | None]]:
    """(route, channel, messages, last error, next attempt) of every message that is FAILED now."""
    return con.execute(
        f"""
        select route, channel, count(distinct idempotency_key), max(last_error), min(next_attempt_at)
        from {OUTBOX_TABLE} where status = '{FAILED}' group by 1, 2 order by 1, 2
        """
    ).fetchall()
