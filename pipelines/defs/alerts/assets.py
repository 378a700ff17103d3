"""`marts.alerts`: one row per breach episode of a metric series, kept up to date after every run.

Two sources of series (the `source` column): `sellerhealth`, the series of
`marts.seller_metrics_daily`, and `amazon`, Amazon's own view (`intermediate.int_amazon_alert_days`,
one status per account health snapshot: docs/amazon-view.md). Both follow the same lifecycle.

The episodes are computed in SQL by the dbt model `intermediate.int_alert_episodes` (gaps and
islands, the same SQL on DuckDB and Spark): a run of `BAD` or `WARNING` days of one series (seller
x marketplace x channel x metric x window); `NO_DATA` and `NO_TARGET` days neither open nor close
one; the first `GOOD` day closes it. `severity` is `CRITICAL` if any day was `BAD`; `value`,
`target` and `target_condition` are those of `last_breached_on`. `alert_id` is a hash of the
series and `opened_on` (`alert_id` below), so the same episode keeps its id from run to run. The
model depends only on the metric history, so running night by night and running one backfill
over the same days give the same rows.

This asset keeps what SQL cannot: the table is not a dbt model, because it holds what people write
into `acknowledged_by`, `acknowledged_at` and `note`. It reads only the episodes (and each
seller-marketplace's latest day, `intermediate.int_alert_latest_days`), never the metric history,
and merges them with the stored rows, on DuckDB here and on Spark in pipelines/spark_jobs.py.

Restated history. Late or re-uploaded exports can change past days, so an episode can move its
start, merge with another or vanish. A stored alert whose id is no longer computed is then:
- dropped, when nobody annotated it (it described data that no longer exists);
- when annotated, its annotation moves to the earliest recomputed episode of the same series that
  overlaps its days and has no annotation of its own (the same breach, seen with better data),
  and the old row goes;
- when annotated and nothing overlaps it (the breach vanished), kept for its annotation, closed:
  an `OPEN` one becomes `RESOLVED` on the latest day of its seller-marketplace's data.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

import dagster as dg
import duckdb
import pandas as pd

from pipelines.lib.warehouse import sql_string, transaction
from pipelines.resources import Warehouse

ALERTS_KEY = dg.AssetKey(["marts", "alerts"])
# the dbt models this asset reads (dbt_project/models/intermediate/alerts)
EPISODES_KEY = dg.AssetKey(["intermediate", "int_alert_episodes"])
LATEST_DAYS_KEY = dg.AssetKey(["intermediate", "int_alert_latest_days"])
ALERTS_TABLE = "marts.alerts"
EPISODES_TABLE = "intermediate.int_alert_episodes"
LATEST_DAYS_TABLE = "intermediate.int_alert_latest_days"
SELLERHEALTH, AMAZON = "sellerhealth", "amazon"

OPEN, RESOLVED = "OPEN", "RESOLVED"
CRITICAL, WARNING = "CRITICAL", "WARNING"

ALERTS_DDL = f"""
create table if not exists {ALERTS_TABLE} (
    alert_id varchar not null,          -- hash of the series and opened_on: stable from run to run
    seller_id varchar not null,
    marketplace_id varchar not null,
    fulfillment_channel varchar not null,
    metric varchar not null,
    window_days integer not null,
    severity varchar not null,          -- CRITICAL if any day of the episode was BAD, else WARNING
    status varchar not null,            -- OPEN, RESOLVED
    opened_on date not null,            -- first as_of_date of the episode
    last_breached_on date not null,     -- latest as_of_date with BAD or WARNING
    resolved_on date,                   -- first later as_of_date with GOOD; NULL while open
    value double,                       -- value, target and condition on last_breached_on
    target double,
    target_condition varchar,
    acknowledged_by varchar,            -- the last three are for people: a run never overwrites them
    acknowledged_at timestamp,
    note varchar,
    source varchar default 'sellerhealth'  -- sellerhealth (marts.seller_metrics_daily) or amazon (Amazon's view)
)
"""


@dataclass(frozen=True, order=True)
class Series:
    seller_id: str
    marketplace_id: str
    fulfillment_channel: str
    metric: str
    window_days: int


@dataclass(frozen=True)
class Alert:
    """One row of `marts.alerts`, columns in table order."""

    alert_id: str
    seller_id: str
    marketplace_id: str
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
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    note: str | None = None
    source: str = SELLERHEALTH

    @property
    def series(self) -> Series:
        return Series(self.seller_id, self.marketplace_id, self.fulfillment_channel, self.metric, self.window_days)

    @property
    def is_annotated(self) -> bool:
        return any(v is not None for v in (self.acknowledged_by, self.acknowledged_at, self.note))

    def with_annotation_of(self, other: "Alert") -> "Alert":
        return replace(
            self, acknowledged_by=other.acknowledged_by, acknowledged_at=other.acknowledged_at, note=other.note
        )

    def overlaps(self, other: "Alert") -> bool:
        """Whether the two episodes share a day: each runs from opened_on to the day before resolved_on."""
        return self.opened_on < _end(other) and other.opened_on < _end(self)


ALERT_COLUMNS = tuple(f.name for f in fields(Alert))


def _end(alert: Alert) -> date:
    return alert.resolved_on or date.max


def alert_id(series: Series, opened_on: date, source: str = SELLERHEALTH) -> str:
    """Deterministic id of an episode: the same series and first day always give the same id.

    The formula of the `alert_id` macro (dbt_project/macros/alert_id.sql), which computes the ids
    of `intermediate.int_alert_episodes`; here for checks and tools. A sellerhealth id is the same as
    before alerts had a source, so an upgraded warehouse keeps its ids.
    """
    text = "|".join(
        ([source] if source != SELLERHEALTH else [])
        + [
            series.seller_id,
            series.marketplace_id,
            series.fulfillment_channel,
            series.metric,
            str(series.window_days),
            opened_on.isoformat(),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def merge_alerts(
    stored: Sequence[Alert], computed: Sequence[Alert], latest_day: Mapping[tuple[str, str], date]
) -> list[Alert]:
    """The new content of the table: `computed` episodes with the annotations of `stored` rows.

    `latest_day` is the latest as_of_date per (seller_id, marketplace_id): the day a vanished but
    annotated alert is closed on. The rules for restated history are in the module docstring.
    """
    stored_by_id = {a.alert_id: a for a in stored}
    out: dict[str, Alert] = {}
    for alert in computed:
        previous = stored_by_id.get(alert.alert_id)
        out[alert.alert_id] = alert.with_annotation_of(previous) if previous else alert

    by_series: dict[Series, list[Alert]] = {}
    for alert in sorted(computed, key=lambda a: a.opened_on):
        by_series.setdefault(alert.series, []).append(alert)
    orphans = [a for a in stored if a.alert_id not in out and a.is_annotated]
    for orphan in sorted(orphans, key=lambda a: (a.series, a.opened_on, a.alert_id)):
        heir = next(
            (a for a in by_series.get(orphan.series, []) if a.overlaps(orphan) and not out[a.alert_id].is_annotated),
            None,
        )
        if heir is not None:
            out[heir.alert_id] = out[heir.alert_id].with_annotation_of(orphan)
        elif orphan.status == OPEN:
            closed_on = latest_day.get((orphan.seller_id, orphan.marketplace_id), orphan.last_breached_on)
            out[orphan.alert_id] = replace(orphan, status=RESOLVED, resolved_on=closed_on)
        else:
            out[orphan.alert_id] = orphan
    return sorted(out.values(), key=lambda a: (a.series, a.opened_on, a.alert_id))


# DuckDB comments, shown by BI tools next to the table and its columns (docs/bi.md).
ALERTS_COMMENT = (
    "One row per breach episode of a metric series (seller x marketplace x channel x metric x window): "
    "OPEN while it lasts, RESOLVED on the first GOOD day. Recomputed after every run; people's "
    "acknowledgements are kept."
)
ALERT_COLUMN_COMMENTS = {
    "alert_id": "Hash of the series and opened_on: the same episode keeps its id from run to run.",
    "seller_id": "Merchant token.",
    "marketplace_id": "Amazon marketplace id (e.g. ATVPDKIKX0DER for the US).",
    "fulfillment_channel": "MFN, AFN or ALL, as in seller_metrics_daily.",
    "metric": "The metric's id, as in seller_metrics_daily.",
    "window_days": "The metric's window in days.",
    "severity": "CRITICAL if any day of the episode was BAD, else WARNING.",
    "status": "OPEN or RESOLVED.",
    "opened_on": "First as_of_date of the episode (BAD or WARNING).",
    "last_breached_on": "Latest as_of_date with BAD or WARNING.",
    "resolved_on": "First later as_of_date with GOOD; NULL while open.",
    "value": "The metric's value on last_breached_on.",
    "target": "The target on last_breached_on.",
    "target_condition": "LESS_THAN, GREATER_THAN or AT_LEAST.",
    "acknowledged_by": "Who acknowledged the alert (written by people; a run never overwrites it).",
    "acknowledged_at": "When it was acknowledged (naive UTC).",
    "note": "Free text for people.",
    "source": "sellerhealth (a series of seller_metrics_daily) or amazon (Amazon's own account health report).",
}


def ensure_alerts_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table, or upgrade one built before `source` existed: its rows become sellerhealth's."""
    con.execute("create schema if not exists marts")
    con.execute(ALERTS_DDL)
    (has_source,) = con.execute(
        "select count(*) from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'marts' and table_name = 'alerts' and column_name = 'source'"
    ).fetchone()
    if not has_source:
        # Every existing row and annotation stays; only the new column is filled in.
        con.execute(f"alter table {ALERTS_TABLE} add column source varchar default '{SELLERHEALTH}'")
        con.execute(f"update {ALERTS_TABLE} set source = '{SELLERHEALTH}' where source is null")

    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = 'alerts'"
        ).fetchall()
    }
    con.execute(f"comment on table {ALERTS_TABLE} is {sql_string(ALERTS_COMMENT)}")
    for column, text in ALERT_COLUMN_COMMENTS.items():
        if column in columns:
            con.execute(f"comment on column {ALERTS_TABLE}.{column} is {sql_string(text)}")


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found)


ANNOTATION_COLUMNS = ("acknowledged_by", "acknowledged_at", "note")
# the columns of intermediate.int_alert_episodes: every column of marts.alerts but the annotations
EPISODE_COLUMNS = tuple(c for c in ALERT_COLUMNS if c not in ANNOTATION_COLUMNS)
# read on DuckDB and on Spark alike
EPISODES_QUERY = f"select {', '.join(EPISODE_COLUMNS)} from {EPISODES_TABLE}"
LATEST_DAYS_QUERY = f"select seller_id, marketplace_id, latest_day from {LATEST_DAYS_TABLE}"


class EpisodesNotBuilt(RuntimeError):
    """The dbt models of the episodes are missing: the alerts come after the dbt build."""


def alerts_from_episodes(
    stored: Sequence[Alert], episode_rows: Iterable[Sequence], latest_day_rows: Iterable[Sequence]
) -> list[Alert]:
    """The new content of the table, on either engine: rows of EPISODES_QUERY and LATEST_DAYS_QUERY
    merged with the `stored` rows (merge_alerts)."""
    computed = [Alert(**dict(zip(EPISODE_COLUMNS, row, strict=True))) for row in episode_rows]
    latest_day = {(seller, marketplace): day for seller, marketplace, day in latest_day_rows}
    return merge_alerts(stored, computed, latest_day)


def read_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    rows = con.execute(f"select {', '.join(ALERT_COLUMNS)} from {ALERTS_TABLE}").fetchall()
    return [Alert(*row) for row in rows]


def update_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    """Merge the episodes of the dbt build into `marts.alerts` in one transaction; return its rows."""
    ensure_alerts_table(con)
    for table in (EPISODES_TABLE, LATEST_DAYS_TABLE):
        if not _table_exists(con, *table.split(".")):
            raise EpisodesNotBuilt(f"{table} does not exist: build the dbt models first (sellerhealth run)")
    with transaction(con):
        # Annotations are read inside the transaction that rewrites them, so none can be lost.
        rows = alerts_from_episodes(
            read_alerts(con), con.execute(EPISODES_QUERY).fetchall(), con.execute(LATEST_DAYS_QUERY).fetchall()
        )
        con.execute(f"delete from {ALERTS_TABLE}")
        if rows:
            frame = pd.DataFrame([tuple(getattr(a, c) for c in ALERT_COLUMNS) for a in rows], columns=ALERT_COLUMNS)
            con.register("alert_rows", frame)
            con.execute(
                f"""
                insert into {ALERTS_TABLE}
                select alert_id, seller_id, marketplace_id, fulfillment_channel, metric,
                       window_days::integer, severity, status, opened_on::date, last_breached_on::date,
                       resolved_on::date, value::double, target::double, target_condition::varchar,
                       acknowledged_by::varchar, acknowledged_at::timestamp, note::varchar, source::varchar
                from alert_rows
                """
            )
            con.unregister("alert_rows")
    return rows


@dg.asset(
    key=ALERTS_KEY,
    deps=[EPISODES_KEY, LATEST_DAYS_KEY],
    group_name="alerts",
    kinds={"python", "duckdb"},
    description=(
        "One row per breach episode of a metric series (OPEN while it lasts, RESOLVED on the first GOOD "
        "day): the episodes of intermediate.int_alert_episodes (computed in SQL from "
        "marts.seller_metrics_daily, source sellerhealth, and Amazon's own view, source amazon) "
        "merged into the table; people's acknowledgements are kept."
    ),
)
def alerts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipelines.lib import engine

    if engine.is_spark():
        # the same merge of the same episodes, on the Spark tables (pipelines/spark_jobs.py)
        from pipelines.spark_jobs import run_spark_job

        rows = [Alert(**r) for r in run_spark_job(["alerts"])["alerts"]]
    else:
        with warehouse.connect() as con:
            rows = update_alerts(con)
    open_rows = [a for a in rows if a.status == OPEN]
    context.log.info(f"{len(rows)} alerts, {len(open_rows)} open")
    return dg.MaterializeResult(
        metadata={
            "alerts": len(rows),
            "open": len(open_rows),
            "open_critical": sum(a.severity == CRITICAL for a in open_rows),
            "annotated": sum(a.is_annotated for a in rows),
            "open_amazon": sum(a.source == AMAZON for a in open_rows),
        }
    )
