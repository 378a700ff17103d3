"""One Dagster asset per export: S3 -> Pandera -> `raw.<export>`, daily-partitioned by `dt`.

A backfill over many days runs as one run and one transaction per export (single-run backfill
policy). Each materialization reports files, rows read, loaded and rejected, and an asset check
re-counts them from the warehouse so that rows read = loaded + rejected is proven, not assumed.
"""

from datetime import timedelta

import dagster as dg

from pipelines.defs.ingest.loader import ingest_export
from pipelines.lib import engine
from pipelines.lib.layout import EXPORTS
from pipelines.lib.raw_parquet import write_ingested_files, write_raw_days
from pipelines.lib.warehouse import RAW_SCHEMA
from pipelines.partitions import daily_partitions_for
from pipelines.resources import S3Exports, Warehouse
from pipelines.settings import Settings

RECONCILE_CHECK = "rows_reconcile"
REJECTS_CHECK = "no_rejected_rows"
KEYS_CHECK = "every_key_read"
FRESHNESS_CHECK = "files_fresh"
MAX_KEYS_LISTED = 50
# A seller-marketplace whose latest file of an export is this many days behind the export's latest
# day (over every seller-marketplace) warns; from FRESHNESS_ERROR_DAYS on, the check fails.
# Daily exports: one day behind is a file that may still land late, two days is a feed that stopped.
FRESHNESS_WARN_DAYS = 1
FRESHNESS_ERROR_DAYS = 2
# The exports with a file every day for every seller-marketplace: Amazon's scheduled reports (header
# only when empty). The seller's own tools write claims, chargebacks, messages... only on days with
# records, and account_health comes when fetched: a gap there is no sign of a stopped feed.
FRESHNESS_EXPORTS = frozenset({"orders", "feedback"})


def _reconcile(con, export: str, first_day, last_day) -> dict:
    """Counts recorded per file against the rows actually in the raw and rejected tables."""
    read, loaded, rejected, files = con.execute(
        f"select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0), "
        f"count(*) from {RAW_SCHEMA}.ingested_files where export = ? and dt between ? and ?",
        [export, first_day, last_day],
    ).fetchone()
    (in_table,) = con.execute(
        f"select count(*) from {RAW_SCHEMA}.{export} where dt between ? and ?", [first_day, last_day]
    ).fetchone()
    return {
        "files": files,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_rejected": rejected,
        "rows_in_table": in_table,
    }


def stale_feeds(con, export: str) -> tuple[object, list[tuple[str, str, object, int]]]:
    """The export's latest day over every seller-marketplace, and the seller-marketplaces behind it.

    Read from `raw.ingested_files` (every file read, header-only ones too), so a feed with no rows
    on a day is not stale; one whose files stopped is. Rows: (seller_id, marketplace_id, latest dt,
    days behind), most behind first.
    """
    rows = con.execute(
        f"""
        with latest as (
            select seller_id, marketplace_id, max(dt) as last_dt
            from {RAW_SCHEMA}.ingested_files where export = ? group by seller_id, marketplace_id
        )
        select seller_id, marketplace_id, last_dt, max(last_dt) over () as export_last_dt from latest
        """,
        [export],
    ).fetchall()
    if not rows:
        return None, []
    export_last = rows[0][3]
    behind = [
        (seller, marketplace, last, (export_last - last).days)
        for seller, marketplace, last, _ in rows
        if (export_last - last).days >= FRESHNESS_WARN_DAYS
    ]
    return export_last, sorted(behind, key=lambda r: (-r[3], r[0], r[1]))


def freshness_result(con, export: str) -> dg.AssetCheckResult:
    """`files_fresh`: every seller-marketplace has the export's files up to the export's latest day."""
    export_last, behind = stale_feeds(con, export)
    worst = behind[0][3] if behind else 0
    lines = [
        f"- {export}: seller {seller}, marketplace {marketplace}: last file dt={last}, "
        f"{days} day{'s' if days != 1 else ''} behind {export_last}"
        for seller, marketplace, last, days in behind
    ]
    return dg.AssetCheckResult(
        check_name=FRESHNESS_CHECK,
        passed=not behind,
        severity=dg.AssetCheckSeverity.ERROR if worst >= FRESHNESS_ERROR_DAYS else dg.AssetCheckSeverity.WARN,
        description="; ".join(line.removeprefix("- ") for line in lines[:5]) or None,
        metadata={
            "export_latest_dt": str(export_last) if export_last else "no file yet",
            "feeds_behind": len(behind),
            "max_days_behind": worst,
            "behind": dg.MetadataValue.md("\n".join(lines[:MAX_KEYS_LISTED]) or "none"),
        },
    )


def build_ingest_asset(export: str, partitions: dg.DailyPartitionsDefinition | None = None) -> dg.AssetsDefinition:
    key = dg.AssetKey([RAW_SCHEMA, export])

    @dg.asset(
        key=key,
        partitions_def=partitions or daily_partitions_for(Settings.from_env()),
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name="ingest",
        kinds={"s3", "pandera", "duckdb"},
        description=f"The `{export}` export from S3, checked against data_contracts, in `{RAW_SCHEMA}.{export}`.",
        check_specs=[
            dg.AssetCheckSpec(
                RECONCILE_CHECK,
                asset=key,
                description="rows read = rows loaded + rows rejected, and the table holds the loaded rows",
            ),
            dg.AssetCheckSpec(
                REJECTS_CHECK, asset=key, description="no row or file was kept aside (see raw.rejected_rows)"
            ),
            dg.AssetCheckSpec(
                KEYS_CHECK,
                asset=key,
                description="every key under the export was read: none is outside the layout or under an "
                "unknown marketplace id (`sellerhealth run` exits 3 when this fails)",
            ),
        ]
        + (
            [
                dg.AssetCheckSpec(
                    FRESHNESS_CHECK,
                    asset=key,
                    description=f"every seller-marketplace has `{export}` files up to the export's latest day: "
                    f"{FRESHNESS_WARN_DAYS} day behind warns, {FRESHNESS_ERROR_DAYS} or more fails "
                    "(docs/freshness.md)",
                )
            ]
            if export in FRESHNESS_EXPORTS
            else []
        ),
    )
    def _ingest(context: dg.AssetExecutionContext, s3: S3Exports, warehouse: Warehouse):
        window = context.partition_time_window
        first_day, last_day = window.start.date(), (window.end - timedelta(days=1)).date()
        with warehouse.connect(loading=True) as con:
            summary = ingest_export(export, first_day, last_day, s3, con, log=context.log)
            counts = _reconcile(con, export, first_day, last_day)
            freshness = freshness_result(con, export) if export in FRESHNESS_EXPORTS else None
            parquet = {}
            if engine.is_spark():
                # the Spark engine reads the same rows as Hive-partitioned Parquet (docs/spark.md)
                root = engine.raw_path()
                parquet["parquet_rows"] = write_raw_days(con, export, first_day, last_day, root)
                parquet["parquet_location"] = str(root / export)
                write_ingested_files(con, root)
        yield dg.MaterializeResult(
            metadata={
                "days": f"{first_day} .. {last_day}",
                "files": summary.files,
                "files_rejected": summary.files_rejected,
                "rows_read": summary.rows_read,
                "rows_loaded": summary.rows_loaded,
                "rows_rejected": summary.rows_rejected,
                "windows_1252_files": summary.windows_1252_files,
                "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in summary.problems[:50]) or "none"),
                "ignored_keys": len(summary.invalid_keys),
                **parquet,
            }
        )
        yield dg.AssetCheckResult(
            check_name=RECONCILE_CHECK,
            passed=bool(
                counts["rows_read"] == counts["rows_loaded"] + counts["rows_rejected"]
                and counts["rows_loaded"] == counts["rows_in_table"]
            ),
            metadata=counts,
        )
        yield dg.AssetCheckResult(
            check_name=REJECTS_CHECK,
            passed=bool(counts["rows_rejected"] == 0),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"rows_rejected": counts["rows_rejected"], "files_rejected": summary.files_rejected},
        )
        # A key the run cannot place (unknown marketplace id, outside the layout) is data nobody
        # loaded: an error, not a note. The other keys still load and the run still publishes.
        yield dg.AssetCheckResult(
            check_name=KEYS_CHECK,
            passed=not summary.invalid_keys,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "keys_not_read": len(summary.invalid_keys),
                "keys": dg.MetadataValue.md(
                    "\n".join(f"- {k}" for k in summary.invalid_keys[:MAX_KEYS_LISTED]) or "none"
                ),
            },
        )
        # A seller's feed that stopped (docs/freshness.md): named with its marketplace and last day.
        if freshness is not None:
            yield freshness

    return _ingest


def build_ingest_assets(partitions: dg.DailyPartitionsDefinition) -> list[dg.AssetsDefinition]:
    """One asset per export, partitioned by export day from SELLERHEALTH_FIRST_DAY on."""
    return [build_ingest_asset(export, partitions) for export in EXPORTS]


def __getattr__(name: str):
    # `ingest_assets`: built when asked for, with the partitions of the settings of that moment.
    if name == "ingest_assets":
        return build_ingest_assets(daily_partitions_for(Settings.from_env()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
