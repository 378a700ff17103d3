"""`sellerhealth notify`: send what is due now, show it (`--dry-run`), or try a route (`--test ROUTE`)."""

from __future__ import annotations

import uuid

import duckdb

from pipelines.defs.notify.assets import utc_now
from pipelines.defs.notify.channels import SendFailed, send
from pipelines.defs.notify.config import PATH_VARIABLE, NotificationsConfig, load_notifications
from pipelines.defs.notify.deliver import deliver
from pipelines.defs.notify.outbox import OUTBOX_TABLE, due_messages
from pipelines.defs.notify.render import render
from pipelines.resources import ConfigurationError, Warehouse


def _config() -> NotificationsConfig:
    config = load_notifications()
    if config is None:
        raise ConfigurationError(f"{PATH_VARIABLE} is not set: set it to the path of your notifications.yml")
    return config


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def dry_run() -> int:
    """Print every message the next delivery would send, per route and channel; send and record nothing."""
    config = _config()
    path = Warehouse().resolved_path()
    if not path.exists():
        print(f"nothing to send: no warehouse at {path} yet")
        return 0
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        raise ConfigurationError(
            f"the warehouse {path} is busy (a run is writing it); try again later: {exc}"
        ) from None
    with con:
        exists = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name = 'alert_notifications'"
        ).fetchone()[0]
        messages = due_messages(con, utc_now()) if exists else []
    if not messages:
        print(f"nothing to send: no PENDING message in {OUTBOX_TABLE} (and no FAILED one due for a retry)")
        return 0
    for message in messages:
        channel = config.channels.get(message.channel)
        kind = channel.type if channel else "channel no longer in the file: would be skipped"
        print(
            f"route {message.route}, channel {message.channel} ({kind}): {len(message.changes)} changes, "
            f"idempotency key {message.idempotency_key}"
            + (f", attempt {message.attempts + 1}" if message.attempts else "")
        )
        rendered = render(config, message.route, message.changes)
        if channel and channel.type == "email":
            print(f"    To: {', '.join(channel.recipients)}")
            print(f"    Subject: {rendered.subject}")
            print(_indent(rendered.email_body))
        else:
            print(_indent(rendered.text))
        print()
    print(f"{len(messages)} message(s) would be sent; nothing was sent (dry run)")
    return 0


def send_test(route_name: str) -> int:
    """Send a test message through every channel of the route; 1 when one of them failed."""
    config = _config()
    route = config.route(route_name)
    if route is None:
        raise ConfigurationError(
            f"no route {route_name!r} in {config.path}; the routes are: {', '.join(r.name for r in config.routes)}"
        )
    rendered = render(config, route.name, [], test=True)
    failed = 0
    for name in route.channels:
        channel = config.channels[name]
        key = f"sh-test-{uuid.uuid4().hex}"
        try:
            send(channel, rendered, route.name, key, [], test=True)
        except SendFailed as exc:
            failed += 1
            print(f"route {route.name}, channel {name} ({channel.type}): FAILED: {config.scrub(str(exc))}")
        else:
            print(f"route {route.name}, channel {name} ({channel.type}): test message sent (key {key})")
    return 1 if failed else 0


def send_due() -> int:
    """Send the outbox's due messages now, as the run's delivery step does; 1 when one failed."""
    config = _config()
    with Warehouse().connect() as con:
        result = deliver(con, config, utc_now, print)
    print(f"{len(result.sent)} sent, {len(result.failed)} failed, {len(result.skipped)} skipped")
    return 1 if result.failed else 0
