"""`marts.alerts`: one row per breach episode of a metric series, kept up to date after every run.

Two sources of series (the `source` column): `sellerhealth`, the series of
`marts.seller_metrics_daily`, and `amazon`, Amazon's own view (`intermediate.int_amazon_alert_days`,
one status per account health snapshot: docs/amazon-view.md). Both follow the same lifecycle.

Not a dbt model, because the table keeps state that no model can rebuild: what people write into
`acknowledged_by`, `acknowledged_at` and `note`. Everything else in a row is recomputed on every run
from the whole history in `marts.seller_metrics_daily`, so the table depends only on that history:
running night by night and running one backfill over the same days give the same rows.

Episodes: a run of `BAD` or `WARNING` days of one series (seller x
marketplace x channel x metric x window); `NO_DATA` and `NO_TARGET` days neither open nor close
one; the first `GOOD` day closes it. `severity` is `CRITICAL` if any day was `BAD`; `value`,
`target` and `target_condition` are those of `last_breached_on`. `alert_id` is a hash of the
series and `opened_on`, so the same episode keeps its id from run to run.

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
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime

import dagster as dg
import duckdb
import pandas as pd

from pipelines.resources import Warehouse

ALERTS_KEY = dg.AssetKey(["marts", "alerts"])
SELLER_METRICS_KEY = dg.AssetKey(["marts", "seller_metrics_daily"])
AMAZON_ALERT_DAYS_KEY = dg.AssetKey(["intermediate", "int_amazon_alert_days"])
ALERTS_TABLE = "marts.alerts"
AMAZON_ALERT_DAYS_TABLE = "intermediate.int_amazon_alert_days"
SELLERHEALTH, AMAZON = "sellerhealth", "amazon"
# Amazon's series have no window of sellerhealth's; their ranges are in marts.amazon_account_health.
AMAZON_WINDOW_DAYS = 0

BREACH = ("BAD", "WARNING")
GOOD = "GOOD"
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
class Day:
    """One row of a series in `marts.seller_metrics_daily`."""

    as_of_date: date
    status: str
    value: float | None = None
    target: float | None = None
    target_condition: str | None = None


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

    A sellerhealth id is the same as before alerts had a source, so an upgraded warehouse keeps its ids.
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


def episodes(series: Series, days: Iterable[Day], source: str = SELLERHEALTH) -> list[Alert]:
    """The breach episodes of one series, oldest first, from its days in any order."""
    out: list[Alert] = []
    current: Alert | None = None
    for day in sorted(days, key=lambda d: d.as_of_date):
        if day.status in BREACH:
            if current is None:
                current = Alert(
                    alert_id(series, day.as_of_date, source),
                    *(getattr(series, f.name) for f in fields(Series)),
                    severity=WARNING,
                    status=OPEN,
                    opened_on=day.as_of_date,
                    last_breached_on=day.as_of_date,
                    resolved_on=None,
                    value=None,
                    target=None,
                    target_condition=None,
                    source=source,
                )
            current = replace(
                current,
                severity=CRITICAL if day.status == "BAD" else current.severity,
                last_breached_on=day.as_of_date,
                value=day.value,
                target=day.target,
                target_condition=day.target_condition,
            )
        elif day.status == GOOD and current is not None:
            out.append(replace(current, status=RESOLVED, resolved_on=day.as_of_date))
            current = None
    if current is not None:
        out.append(current)
    return out


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
    con.execute(f"comment on table {ALERTS_TABLE} is {_sql_string(ALERTS_COMMENT)}")
    for column, text in ALERT_COLUMN_COMMENTS.items():
        if column in columns:
            con.execute(f"comment on column {ALERTS_TABLE}.{column} is {_sql_string(text)}")


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    (found,) = con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(found)


def compute_amazon_episodes(con: duckdb.DuckDBPyConnection) -> tuple[list[Alert], dict[tuple[str, str], date]]:
    """Every episode of Amazon's view, and each seller-marketplace's latest snapshot day.

    Nothing when the model is not built yet (a warehouse without an account_health run).
    """
    if not _table_exists(con, "intermediate", "int_amazon_alert_days"):
        return [], {}
    rows = con.execute(AMAZON_ALERT_DAYS_QUERY).fetchall()
    return amazon_episodes_from_rows(rows)


# Amazon's view of the alert days, in series order (read on DuckDB and on Spark alike)
AMAZON_ALERT_DAYS_QUERY = f"""
    select seller_id, marketplace_id, fulfillment_channel, amazon_metric,
           snapshot_date, status, value, target, target_condition
    from {AMAZON_ALERT_DAYS_TABLE}
    order by 1, 2, 3, 4, 5
"""


def amazon_episodes_from_rows(
    rows: Iterable[Sequence],
) -> tuple[list[Alert], dict[tuple[str, str], date]]:
    """The episodes of Amazon's alert days (rows of AMAZON_ALERT_DAYS_QUERY), each seller-marketplace's latest day."""
    computed: list[Alert] = []
    latest: dict[tuple[str, str], date] = {}
    for key, group in itertools.groupby(rows, key=lambda r: r[:4]):
        group = list(group)
        computed += episodes(Series(*key, AMAZON_WINDOW_DAYS), (Day(*r[4:]) for r in group), AMAZON)
        latest[key[:2]] = max(latest.get(key[:2], date.min), group[-1][4])
    return computed, latest


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def compute_episodes(con: duckdb.DuckDBPyConnection) -> tuple[list[Alert], dict[tuple[str, str], date]]:
    """Every episode in `marts.seller_metrics_daily`, and each seller-marketplace's latest day."""
    # Only series that breached at least once, and only the days that can open or close an episode.
    rows = con.execute(
        """
        with breached as (
            select distinct seller_id, marketplace_id, fulfillment_channel, metric, window_days
            from marts.seller_metrics_daily
            where status in ('BAD', 'WARNING')
        )
        select m.seller_id, m.marketplace_id, m.fulfillment_channel, m.metric, m.window_days,
               m.as_of_date, m.status, m.value, m.target, m.target_condition
        from marts.seller_metrics_daily as m
        semi join breached using (seller_id, marketplace_id, fulfillment_channel, metric, window_days)
        where m.status in ('BAD', 'WARNING', 'GOOD')
        order by 1, 2, 3, 4, 5, 6
        """
    ).fetchall()
    latest = con.execute(
        "select seller_id, marketplace_id, max(as_of_date) from marts.seller_metrics_daily group by 1, 2"
    ).fetchall()
    latest_day = {(s, m): d for s, m, d in latest}
    amazon, amazon_latest = compute_amazon_episodes(con)
    for seller_marketplace, day in amazon_latest.items():
        latest_day[seller_marketplace] = max(latest_day.get(seller_marketplace, day), day)
    return episodes_from_rows(rows) + amazon, latest_day


def episodes_from_rows(rows: Iterable[Sequence]) -> list[Alert]:
    """The episodes of rows (series columns, as_of_date, status, value, target, target_condition) in series order."""
    computed: list[Alert] = []
    for key, group in itertools.groupby(rows, key=lambda r: tuple(r[:5])):
        computed += episodes(Series(*key), (Day(*r[5:]) for r in group))
    return computed


def read_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    rows = con.execute(f"select {', '.join(ALERT_COLUMNS)} from {ALERTS_TABLE}").fetchall()
    return [Alert(*row) for row in rows]


def update_alerts(con: duckdb.DuckDBPyConnection) -> list[Alert]:
    """Recompute the episodes and rewrite `marts.alerts` in one transaction; return its rows."""
    ensure_alerts_table(con)
    con.execute("begin transaction")
    try:
        # Annotations are read inside the transaction that rewrites them, so none can be lost.
        computed, latest_day = compute_episodes(con)
        rows = merge_alerts(read_alerts(con), computed, latest_day)
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
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return rows


@dg.asset(
    key=ALERTS_KEY,
    deps=[SELLER_METRICS_KEY, AMAZON_ALERT_DAYS_KEY],
    group_name="alerts",
    kinds={"python", "duckdb"},
    description=(
        "One row per breach episode of a metric series (OPEN while it lasts, RESOLVED on the first GOOD "
        "day), recomputed from marts.seller_metrics_daily (source sellerhealth) and from Amazon's own "
        "view, intermediate.int_amazon_alert_days (source amazon); people's acknowledgements are kept."
    ),
)
def alerts(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipelines.lib import engine

    if engine.is_spark():
        # the same episode and annotation rules, on the Spark tables (pipelines/spark_jobs.py)
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
