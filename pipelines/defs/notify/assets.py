"""Dagster side of notifications: the resource that loads notifications.yml, the outbox and delivery assets.

`marts.alert_notifications` runs right after `marts.alerts` and records the run's changes;
`notifications.delivery` sends them. Delivery never fails the run: a channel that does not answer
leaves its messages FAILED for the next run, and the asset check `delivered` warns.
"""

import os
from datetime import UTC, datetime

import dagster as dg

from pipelines.defs.alerts.assets import ALERTS_KEY
from pipelines.defs.notify.config import NotificationsConfig, load_notifications, notifications_path
from pipelines.defs.notify.deliver import deliver, failing
from pipelines.defs.notify.outbox import record_changes
from pipelines.lib import engine
from pipelines.resources import Warehouse

OUTBOX_KEY = dg.AssetKey(["marts", "alert_notifications"])
DELIVERY_KEY = dg.AssetKey(["notifications", "delivery"])
DELIVERED_CHECK = "delivered"
# The outbox reads marts.alerts and the metric marts from the DuckDB file; on Spark they live in Spark.
SPARK_NOT_YET = "notifications are not sent on the Spark engine yet (docs/spark.md): nothing recorded or sent"


def utc_now() -> datetime:
    """Naive UTC, as the outbox's timestamps are stored."""
    return datetime.now(UTC).replace(tzinfo=None)


class Notifications(dg.ConfigurableResource):
    """notifications.yml (`path`, else SELLERHEALTH_NOTIFICATIONS); loaded and checked when a run starts."""

    path: str = ""

    def load(self) -> NotificationsConfig | None:
        environ = dict(os.environ)
        if self.path:
            environ["SELLERHEALTH_NOTIFICATIONS"] = self.path
        return load_notifications(environ)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Resources are set up before the run's first step: a bad file stops the run before any data work.
        self.load()


@dg.asset(
    key=OUTBOX_KEY,
    deps=[ALERTS_KEY],
    group_name="alerts",
    kinds={"python", "duckdb"},
    description=(
        "The outbox: every alert change (opened, escalated, resolved) since the previous run, per route and "
        "channel of notifications.yml, PENDING / SENT / FAILED / SKIPPED, with its idempotency key."
    ),
)
def alert_notifications(
    context: dg.AssetExecutionContext, warehouse: Warehouse, notifications: Notifications
) -> dg.MaterializeResult:
    config = notifications.load()
    if engine.is_spark():
        (context.log.warning if config else context.log.info)(SPARK_NOT_YET)
        return dg.MaterializeResult(metadata={"changes": 0, "pending": 0, "skipped_as_old": 0})
    if config is None:
        context.log.info(f"no notifications.yml ({notifications_path() or 'SELLERHEALTH_NOTIFICATIONS is not set'})")
    with warehouse.connect() as con:
        recorded = record_changes(con, config, utc_now(), config.recent_days if config else 1)
    context.log.info(
        f"{recorded.changes} alert changes; {recorded.pending} notifications to send, "
        f"{recorded.skipped} not sent (older than the recent period)"
    )
    return dg.MaterializeResult(
        metadata={"changes": recorded.changes, "pending": recorded.pending, "skipped_as_old": recorded.skipped}
    )


@dg.asset(
    key=DELIVERY_KEY,
    deps=[OUTBOX_KEY],
    group_name="alerts",
    kinds={"python", "slack", "email"},
    check_specs=[dg.AssetCheckSpec(DELIVERED_CHECK, asset=DELIVERY_KEY, description="No message is left FAILED")],
    description=(
        "Sends the outbox's PENDING messages (and FAILED ones whose retry time has come) to Slack, webhooks "
        "and e-mail, one message per route and channel, and records each outcome."
    ),
)
def notification_delivery(
    context: dg.AssetExecutionContext, warehouse: Warehouse, notifications: Notifications
) -> dg.MaterializeResult:
    config = notifications.load()
    result, still_failing = None, []
    if config is not None and not engine.is_spark():
        try:
            with warehouse.connect() as con:
                result = deliver(con, config, utc_now, context.log.info)
                still_failing = failing(con)
        except Exception as exc:  # the run goes on and publishes; the check tells
            error = config.scrub(f"{type(exc).__name__}: {exc}")
            context.log.error(f"delivery stopped: {error}")
            still_failing = [("(all)", "(all)", 0, f"delivery stopped: {error}", None)]
    metadata = {
        "sent": len(result.sent) if result else 0,
        "failed": len(result.failed) if result else 0,
        "skipped": len(result.skipped) if result else 0,
    }
    lines = [
        f"route {route}, channel {channel}: {messages} message(s) FAILED, last error: {error}; "
        + (f"next attempt after {next_at:%Y-%m-%d %H:%M} UTC" if next_at else "no more attempts")
        for route, channel, messages, error, next_at in still_failing
    ]
    check = dg.AssetCheckResult(
        check_name=DELIVERED_CHECK,
        passed=not still_failing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failing": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none")},
        description="; ".join(lines) or "every message was delivered",
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[check])
