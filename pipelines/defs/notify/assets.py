"""Dagster side of notifications: the resource that loads notifications.yml, the outbox and delivery assets.

`marts.alert_notifications` runs right after `marts.alerts` and records the run's changes;
`notifications.delivery` sends them. Delivery never fails the run: a channel that does not answer
leaves its messages FAILED for the next run, and the asset check `delivered` warns.

On the Spark engine the marts are Spark tables: the run's alerts job also writes the ones the outbox
reads as Parquet (pipelines/spark_jobs.py, NOTIFY_MARTS), and for the outbox step they are views of
the DuckDB file over that Parquet. The same code then records the changes, and the outbox and its
state stay in the DuckDB file on both engines (docs/spark.md).
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

import dagster as dg
import duckdb

from pipelines.defs.alerts.assets import ALERTS_KEY
from pipelines.defs.notify.config import NotificationsConfig, load_notifications, notifications_path
from pipelines.defs.notify.deliver import deliver, failing
from pipelines.defs.notify.outbox import record_changes
from pipelines.lib import engine
from pipelines.lib.warehouse import create_parquet_views, parquet_folders
from pipelines.resources import ConfigurationError, Warehouse

OUTBOX_KEY = dg.AssetKey(["marts", "alert_notifications"])
DELIVERY_KEY = dg.AssetKey(["notifications", "delivery"])
DELIVERED_CHECK = "delivered"


def utc_now() -> datetime:
    """Naive UTC, as the outbox's timestamps are stored."""
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def spark_marts(con: duckdb.DuckDBPyConnection) -> Iterator[list[str]]:
    """On the Spark engine: the marts the alerts job wrote as Parquet, as views `marts.<table>` while in use.

    The views are dropped afterwards, so the DuckDB file keeps only the outbox and its state. A base
    table of the same name (the file was once built by the DuckDB engine) is never replaced: that stops.
    """
    folder = engine.notify_marts_path()
    tables = parquet_folders(folder)
    if "alerts" not in tables:
        raise ConfigurationError(
            f"no marts.alerts as Parquet in {folder}: the alerts step of this run writes it on the Spark engine "
            "(SELLERHEALTH_SPARK_DIR must be the same for every step)"
        )
    placeholders = ", ".join("?" for _ in tables)
    clashing = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        f"and table_type = 'BASE TABLE' and table_name in ({placeholders})",
        tables,
    ).fetchall()
    if clashing:
        raise ConfigurationError(
            f"{con.execute('select current_database()').fetchone()[0]} has tables "
            f"{', '.join('marts.' + t for (t,) in clashing)} of a DuckDB-engine run; the Spark engine reads "
            "those marts from Spark: use another WAREHOUSE_PATH for the Spark engine"
        )
    create_parquet_views(con, folder, tables)
    try:
        yield tables
    finally:
        for table in tables:
            con.execute(f"drop view if exists marts.{table}")


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
    if config is None:
        context.log.info(f"no notifications.yml ({notifications_path() or 'SELLERHEALTH_NOTIFICATIONS is not set'})")
    with warehouse.connect() as con, spark_marts(con) if engine.is_spark() else nullcontext():
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
    if config is not None:
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
