"""`sellerhealth`: the command line (generate, run, scorecard, report, notify, demo).

Each command is a thin layer over the library: `run` reads the settings, checks them and launches
the Dagster job in this process (the job's warehouse resource takes the run lock, as it does for
runs of the schedule, the sensor and the UI), so it works from cron or `.venv/bin/sellerhealth`
without an activated virtualenv or a daemon.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

DEMO_BUCKET = "sellerhealth-demo"
# Fixed dates make the demo reproducible: 15 months, so the 365-day metrics have a full year.
DEMO_START = date(2025, 1, 1)
DEMO_END = date(2026, 3, 31)
DEMO_SELLERS = 2
DEMO_ORDERS_PER_DAY = 70
# `sellerhealth run` exit codes: 0 all read, 1 run failed, 2 usage or setting, 3 keys not read.
KEYS_NOT_READ_EXIT = 3
MAX_REJECTED_LISTED = 20


class UsageError(Exception):
    """A wrong argument or setting; printed without a traceback."""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-04") from None


def _check_range(start: date, end: date) -> None:
    from pipelines.partitions import FIRST_DAY_VARIABLE
    from pipelines.settings import Settings

    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    first = Settings.from_env().first_partition()
    if start < date.fromisoformat(first):
        raise UsageError(
            f"--start {start} is before the first day {first}: set {FIRST_DAY_VARIABLE} to your "
            "first export day (for `make ui` too)"
        )
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    if end >= tomorrow:
        raise UsageError(f"--end {end} is in the future (today is {tomorrow - timedelta(days=1)} UTC)")


def _s3_client():
    from pipelines.resources import S3Exports

    return S3Exports().client()


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.resources import S3Exports
    from pipelines.synthetic import generate_exports, upload

    history_start = getattr(args, "history_start", None) or args.start
    if args.end < args.start:
        raise UsageError(f"--end {args.end} is before --start {args.start}")
    if args.start < history_start:
        raise UsageError(f"--start {args.start} is before --history-start {history_start}")
    s3 = S3Exports()
    bucket, prefix = s3.resolved_bucket(), s3.resolved_prefix()
    client = s3.client()
    if args.create_bucket:
        _ensure_bucket(client, bucket)
    started = time.monotonic()
    files = generate_exports(
        args.start,
        args.end,
        sellers=args.sellers,
        orders_per_day=args.orders_per_day,
        seed=args.seed,
        prefix=prefix,
        missing_export_day=getattr(args, "missing_export_day", False),
        history_start=history_start,
    )
    count = upload(files, client, bucket, progress=lambda n: print(f"  uploaded {n:,} files", flush=True))
    history = f" (history from {history_start})" if history_start != args.start else ""
    print(
        f"generated {count:,} files for {args.start} .. {args.end}{history} into s3://{bucket}/{prefix} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 0


def _ensure_bucket(client, bucket: str) -> None:
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)


class RunOutcome:
    """Whether the Dagster run succeeded (its truth value), and the keys it could not read."""

    def __init__(self, success: bool, keys_not_read: list[str]):
        self.success = success
        self.keys_not_read = keys_not_read

    def __bool__(self) -> bool:
        return self.success


def _keys_not_read(result) -> list[str]:
    """The keys named by the failed `every_key_read` checks of a run (unknown marketplace, outside the layout)."""
    from pipelines.defs.ingest.assets import KEYS_CHECK

    keys: list[str] = []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION":
            continue
        evaluation = event.event_specific_data
        if evaluation.check_name != KEYS_CHECK or evaluation.passed:
            continue
        listed = evaluation.metadata.get("keys")
        text = getattr(listed, "value", None) or getattr(listed, "md_str", "") or ""
        keys += [line.removeprefix("- ") for line in text.splitlines() if line.startswith("- ")]
    return keys


def run_pipeline(start: date, end: date, keep_history: bool = True, full_refresh: bool = False) -> RunOutcome:
    """One Dagster run over the export days [start, end]: ingest, build the models, update the alerts, publish.

    The last step publishes the warehouse (a read-only copy, see pipelines/defs/publish); it runs only
    when every other step succeeded.

    With DAGSTER_HOME set (and `keep_history`), the run and its materializations are recorded there for
    the UI. Dagster records every partition of every asset, which costs about 0.1 s per day of the
    range in its SQLite storage.
    """
    from pipelines.lib import warm_dbt

    warm_dbt.start()  # dbt's process imports dbt on the other core while this one imports Dagster
    try:
        return _run_pipeline(start, end, keep_history, full_refresh)
    finally:
        warm_dbt.stop()


def _run_pipeline(start: date, end: date, keep_history: bool, full_refresh: bool) -> RunOutcome:
    import dagster as dg

    from pipelines.defs.transform.project import prepare_if_stale

    # Before the definitions are imported: they read the manifest.
    if prepare_if_stale():
        print("note: the dbt project changed since its manifest was prepared: prepared it again", file=sys.stderr)

    from pipelines.definitions import RUN_JOB_NAME, build_definitions
    from pipelines.defs.notify.config import load_notifications
    from pipelines.defs.publish.assets import check_published_path
    from pipelines.resources import S3Exports, Warehouse, WarehouseLocked
    from pipelines.settings import Settings

    load_notifications()  # a bad notifications.yml stops the run here, before any data work
    s3 = S3Exports()
    s3.resolved_bucket()  # fail early, with the variable's name, when it is not set
    check_published_path(Warehouse())  # and before hours of work when the copy could not be published
    for folder in s3.unknown_exports():
        print(f"note: ignoring s3://{s3.resolved_bucket()}/{folder}: not an export of the spec", file=sys.stderr)
    # One "planned" event per asset for the whole range instead of one per asset and day (tens of
    # thousands for a year's backfill); Dagster's trade-off: a failed run does not mark each day failed.
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    persistent = keep_history and os.environ.get("DAGSTER_HOME")
    instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
    job = build_definitions(Settings.from_env(), triggers=False).resolve_job_def(RUN_JOB_NAME)
    result = _execute(job, instance, start, end, full_refresh)
    if not result.success:
        locked = _lock_refusal(result)
        if locked:
            raise WarehouseLocked(locked)
        for event in result.all_events:
            if event.is_step_failure:
                error = event.step_failure_data.error
                message = error.cause.message if error and error.cause else error.message if error else "?"
                print(f"FAILED: {event.step_key}: {message.strip()}", file=sys.stderr)
        return RunOutcome(False, _keys_not_read(result))
    # A step whose inputs never came (dbt ran but reported no model) is skipped, not failed: the run
    # did not do its work all the same.
    skipped = [event.step_key for event in result.all_events if event.is_step_skipped]
    for step in skipped:
        print(f"FAILED: {step}: skipped, because a step before it produced no result", file=sys.stderr)
    return RunOutcome(not skipped, _keys_not_read(result))


def _lock_refusal(result) -> str | None:
    """The run lock's message when the run stopped because another run held the warehouse."""
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            if error.cls_name == "WarehouseLocked":
                return error.message.removeprefix("pipelines.resources.WarehouseLocked: ").strip()
            error = error.cause
    return None


def _execute(job, instance, start: date, end: date, full_refresh: bool):
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

    from pipelines.defs.transform.assets import FULL_REFRESH_TAG

    return job.execute_in_process(
        instance=instance,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: start.isoformat(),
            ASSET_PARTITION_RANGE_END_TAG: end.isoformat(),
            **({FULL_REFRESH_TAG: "true"} if full_refresh else {}),
        },
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=False,
    )


def print_load_report(start: date, end: date) -> None:
    """Files, rows and rejected rows per export for the days just run."""
    import duckdb

    from pipelines.resources import Warehouse

    path = Warehouse().resolved_path()
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            """
            select export, count(*) as files, count(*) filter (where status = 'REJECTED') as files_rejected,
                   sum(rows_read), sum(rows_loaded), sum(rows_rejected)
            from raw.ingested_files where dt between ? and ? group by export order by export
            """,
            [start, end],
        ).fetchall()
        rejected = con.execute(
            "select message from raw.ingested_files where dt between ? and ? and status = 'REJECTED' "
            "order by source_key limit ?",
            [start, end, MAX_REJECTED_LISTED],
        ).fetchall()
    print(f"\nloaded {start} .. {end} into {path}")
    header = ("export", "files", "files rejected", "rows read", "rows loaded", "rows rejected")
    print("  {:<16} {:>7} {:>15} {:>11} {:>12} {:>14}".format(*header))
    for row in rows:
        print("  {:<16} {:>7,} {:>15,} {:>11,} {:>12,} {:>14,}".format(*row))
    if rejected:
        print(f"\nfiles rejected ({len(rejected)}{' shown' if len(rejected) == MAX_REJECTED_LISTED else ''}):")
        for (message,) in rejected:
            print(f"  {message}")


def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.lib import engine

    _check_range(args.start, args.end)
    if engine.is_spark():
        _check_spark_ready()
    started = time.monotonic()
    ok = run_pipeline(args.start, args.end, full_refresh=args.full_refresh)
    if not ok:
        print(
            "run failed: the published warehouse (what BI tools and reports read) is as it was before the run; "
            "fix the cause and run again",
            file=sys.stderr,
        )
        return 1
    print_load_report(args.start, args.end)
    print(f"run finished in {time.monotonic() - started:.0f} s")
    if ok.keys_not_read:
        print(
            f"\nerror: {len(ok.keys_not_read)} key(s) were not read (the rest loaded and was published):",
            file=sys.stderr,
        )
        for key in ok.keys_not_read:
            print(f"  {key}", file=sys.stderr)
        print(
            "a marketplace id sellerhealth does not know, or a key outside the layout: see docs/marketplaces.md",
            file=sys.stderr,
        )
        return KEYS_NOT_READ_EXIT
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Ingestion only, one worker process per export; this process alone writes the warehouse."""
    from pipelines.lib.layout import EXPORTS
    from pipelines.parallel_ingest import merge_all, run_workers
    from pipelines.resources import Warehouse

    _check_range(args.start, args.end)
    if args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    exports = args.export or list(EXPORTS)
    unknown = sorted(set(exports) - set(EXPORTS))
    if unknown:
        raise UsageError(f"unknown export(s): {', '.join(unknown)} (known: {', '.join(EXPORTS)})")
    warehouse = Warehouse()
    stage = warehouse.resolved_path().parent / "ingest-stage"
    # the run lock for the whole command (a run, or another ingest, would share the staging folder);
    # the warehouse itself is opened only by this process, after the workers are done
    with warehouse.run_lock():
        failed = run_workers(exports, args.start, args.end, stage, args.workers)
        with warehouse.connect(loading=True) as con:
            merged = merge_all(con, [e for e in exports if e not in failed], args.start, args.end, stage)
    for m in merged:
        print(
            f"{m.export}: {m.files} files, {m.rows_read:,} rows read = {m.rows_loaded:,} loaded + "
            f"{m.rows_rejected:,} rejected"
        )
    if failed:
        print(
            f"error: the worker of {', '.join(failed)} failed; those exports are as they were before, "
            "the others are loaded. Run `sellerhealth ingest` again for them (--export NAME)",
            file=sys.stderr,
        )
        return 1
    print("ingested: the raw tables hold those days (and the Parquet raw layer, on the Spark engine)")
    return 0


def _readable_warehouse() -> Path:
    """The published warehouse when there is one (readable while a run writes), else the warehouse itself."""
    from pipelines.resources import Warehouse

    warehouse = Warehouse()
    published, path = warehouse.published_path(), warehouse.resolved_path()
    if published.exists():
        return published
    if not path.exists():
        raise UsageError(
            f"no warehouse at {path}: run `sellerhealth run` (or `make demo`) first, or set WAREHOUSE_PATH"
        )
    return path


@contextmanager
def _open_marts():
    """A read-only DuckDB connection where `marts.*` are the last published marts, and what it reads.

    DuckDB engine: the published warehouse file. Spark engine: the Parquet copy of the Spark marts
    that the run's last step published (views over it in an in-memory DuckDB).
    """
    import duckdb

    from pipelines.lib import engine

    if not engine.is_spark():
        path = _readable_warehouse()
        with duckdb.connect(str(path), read_only=True) as con:
            yield con, path
        return
    from pipelines.lib.warehouse import create_parquet_views, parquet_folders

    folder = engine.published_marts_path()
    tables = parquet_folders(folder)
    if not tables:
        raise UsageError(
            f"no Spark marts published in {folder}: run `SELLERHEALTH_ENGINE=spark sellerhealth run` "
            "(or `make spark-demo`) first, or set SELLERHEALTH_SPARK_DIR"
        )
    with duckdb.connect() as con:
        create_parquet_views(con, folder, tables)
        yield con, folder


def cmd_scorecard(args: argparse.Namespace) -> int:
    from pipelines.scorecard import (
        load_lines,
        load_open_alerts,
        render,
        render_alerts,
        render_amazon_disagreements,
        render_csv,
        render_json,
        resolve_marketplace,
        use_colour,
    )

    seller = getattr(args, "seller", None)
    marketplace = resolve_marketplace(getattr(args, "marketplace", None))
    output = getattr(args, "format", "text")
    with _open_marts() as (con, path):
        lines = load_lines(con, args.as_of, seller, marketplace)
        alerts = load_open_alerts(con, args.as_of, seller, marketplace)
        amazon = render_amazon_disagreements(con, args.as_of, seller, marketplace)
    if not lines:
        wanted = "".join(
            f" {label} {value}" for label, value in (("for seller", seller), ("in marketplace", marketplace)) if value
        )
        raise UsageError(f"no metrics in {path}{wanted}" + (f" on {args.as_of}" if args.as_of else ""))
    if output == "json":
        print(render_json(lines, alerts))
    elif output == "csv":
        sys.stdout.write(render_csv(lines, alerts))
    else:
        colour = use_colour()
        print(render(lines, colour))
        print()
        print(render_alerts(alerts, colour))
        print(f"\n{amazon}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.report import build_report

    with _open_marts() as (con, path):
        page = build_report(con, args.as_of, datetime.now(UTC), str(path))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out} ({len(page) // 1024:,} KB) from {path}")
    return 0


def cmd_notify(args: argparse.Namespace) -> int:
    from pipelines.defs.notify import cli as notify_cli

    if args.dry_run:
        return notify_cli.dry_run()
    if args.test:
        return notify_cli.send_test(args.test)
    from pipelines.resources import Warehouse

    with Warehouse().run_lock():
        return notify_cli.send_due()


def cmd_export(args: argparse.Namespace) -> int:
    """Every mart as Parquet, DIR/<table>/, from the engine that built it."""
    from pipelines.lib import engine

    out = Path(args.out).resolve()
    started = time.monotonic()
    if engine.is_spark():
        _check_spark_ready()
        from pipelines.spark_jobs import run_spark_job

        tables = run_spark_job(["export", str(out)])["tables"]
        source = f"Spark ({engine.master_url()})"
    else:
        tables = export_duckdb(_readable_warehouse(), out)
        source = str(_readable_warehouse())
    if not tables:
        raise UsageError(f"no marts in {source}: run `sellerhealth run` first")
    for name, rows in sorted(tables.items()):
        print(f"  {name:<28} {rows:>12,} rows  {out / name}/")
    print(f"exported {len(tables)} marts from {source} to {out} in {time.monotonic() - started:.0f} s")
    return 0


def export_duckdb(warehouse: Path, out: Path) -> dict[str, int]:
    """Every table and view of schema marts in `warehouse` as out/<table>/data.parquet."""
    import shutil

    import duckdb

    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        for name in names:
            folder = out / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            target = str(folder / "data.parquet").replace("'", "''")
            con.execute(f"copy (select * from marts.\"{name}\") to '{target}' (format parquet)")
            (counts[name],) = con.execute(f"select count(*) from read_parquet('{target}')").fetchone()
    return counts


def _check_spark_ready() -> None:
    from pipelines.lib import engine

    problem = engine.pyspark_problem() or engine.java_problem()
    if problem:
        raise UsageError(problem)


def demo_env(endpoint: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the demo's commands: the local S3 endpoint and bucket, no prefix, nothing sent."""
    from pipelines.lib.local_s3 import local_s3_env

    # Generated data must not reach real people through the user's notifications.yml.
    skip = ("SELLER_EXPORTS_PREFIX", "SELLERHEALTH_NOTIFICATIONS")
    env = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in skip}
    return {**env, **local_s3_env(endpoint), "SELLER_EXPORTS_BUCKET": DEMO_BUCKET}


def sellerhealth(argv: list[str], env: Mapping[str, str]) -> int:
    """`sellerhealth ARGV` in a process of its own with `env`: this process's environment stays as it is."""
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *argv], env=dict(env), check=False).returncode


def cmd_demo(args: argparse.Namespace) -> int:
    """Local S3, generated exports, one run, the scorecard: each a `sellerhealth` command with the demo's settings."""
    from pipelines.lib.local_s3 import local_s3
    from pipelines.settings import Settings

    started = time.monotonic()
    start, end = getattr(args, "start", None) or DEMO_START, getattr(args, "end", None) or DEMO_END
    log_dir = Path("warehouse")
    log_dir.mkdir(exist_ok=True)
    print("starting a local S3 endpoint (moto_server) ...", flush=True)
    with local_s3(log_path=log_dir / "moto_server.log") as endpoint:
        env = demo_env(endpoint)
        print(f"S3 endpoint {endpoint}, bucket {DEMO_BUCKET}")
        print(
            f"generating {start} .. {end}: {DEMO_SELLERS} sellers x US and DE, "
            f"{args.orders_per_day} orders a day each ...",
            flush=True,
        )
        days = ["--start", start.isoformat(), "--end", end.isoformat()]
        generate = ["generate", *days, "--sellers", str(DEMO_SELLERS), "--orders-per-day", str(args.orders_per_day)]
        # --missing-export-day: a gap the reconciliation with Amazon's view explains
        code = sellerhealth([*generate, "--seed", str(args.seed), "--create-bucket", "--missing-export-day"], env)
        if code:
            return code
        print("running the pipeline over every day in one Dagster run ...", flush=True)
        # With DAGSTER_HOME set (`make demo` sets it to .dagster_home/, as `make ui` does), the run
        # and its materializations are recorded there: about 0.1 s per day, so 45 s for 15 months.
        code = sellerhealth(["run", *days], env)
        if code:
            return code
        print("stopping the local S3 endpoint")
    print()
    sellerhealth(["scorecard"], env)
    settings = Settings.from_env(env)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    print(f"the warehouse the pipeline writes: {settings.warehouse()}")
    print(f"the published copy to query (BI tools, scorecard, report): {settings.published_warehouse()}")
    if env.get("DAGSTER_HOME"):
        print(f"the run is recorded in {env['DAGSTER_HOME']}: `make ui` shows it")
    print("next: `.venv/bin/sellerhealth report --out health.html`, or `make ui` for the Dagster UI")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sellerhealth", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser(
        "generate",
        help="write realistic synthetic exports for some days to the bucket",
        description="Write realistic synthetic exports for the days --start .. --end to the bucket. To go on "
        "night by night, give the first run's --start as --history-start (and the same --seed, --sellers "
        "and --orders-per-day): the later days continue the same simulated orders, and the bucket ends up "
        "with exactly the files one run over all the days writes (docs/operations.md).",
    )
    gen.add_argument("--start", type=_day, required=True, help="the first day to write")
    gen.add_argument("--end", type=_day, required=True, help="the last day to write")
    gen.add_argument(
        "--history-start",
        type=_day,
        default=None,
        help="the first day of the simulated history (default: --start); the --start of an earlier run "
        "continues that run's orders",
    )
    gen.add_argument("--sellers", type=int, default=2)
    gen.add_argument("--orders-per-day", type=int, default=100)
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--create-bucket", action="store_true", help="create the bucket when it does not exist")
    gen.add_argument(
        "--missing-export-day",
        nargs="?",
        type=_day,
        const=True,
        default=False,
        metavar="DAY",
        help="leave out one day of orders and mfn_shipments for the second seller: DAY, or without it the "
        "10th day before --end (docs/amazon-view.md); give DAY when generating night by night",
    )
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="one pipeline run over those export days (ingest, check, build)")
    run.add_argument("--start", type=_day, required=True)
    run.add_argument("--end", type=_day, required=True)
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental dbt models in full (after changing one of them); runs decide this "
        "themselves when files loaded before were removed or changed",
    )
    run.set_defaults(func=cmd_run)

    ingest = sub.add_parser(
        "ingest", help="ingestion only, the exports loaded in parallel worker processes (docs/spark.md)"
    )
    ingest.add_argument("--start", type=_day, required=True)
    ingest.add_argument("--end", type=_day, required=True)
    ingest.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    ingest.add_argument("--export", action="append", help="only this export (repeatable; default: every export)")
    ingest.set_defaults(func=cmd_ingest)

    card = sub.add_parser(
        "scorecard", help="print the latest (or --as-of) metrics with their headroom, and the open alerts"
    )
    card.add_argument("--as-of", type=_day, default=None, help="the day to show (default: each one's latest)")
    card.add_argument("--seller", default=None, help="only this seller (merchant token)")
    card.add_argument("--marketplace", default=None, help="only this marketplace: an id or a code (US, DE, ...)")
    card.add_argument("--format", choices=("text", "json", "csv"), default="text", help="text (default), json or csv")
    card.set_defaults(func=cmd_scorecard)

    report = sub.add_parser("report", help="write one self-contained HTML page: trends, status, alerts, drivers")
    report.add_argument("--out", required=True, help="the HTML file to write, e.g. health.html")
    report.add_argument("--as-of", type=_day, default=None, help="the day to report (default: each one's latest)")
    report.set_defaults(func=cmd_report)

    notify = sub.add_parser(
        "notify",
        help="send the alert notifications that are due now (runs do this themselves); --dry-run, --test ROUTE",
    )
    what = notify.add_mutually_exclusive_group()
    what.add_argument("--dry-run", action="store_true", help="print what would be sent, per route, without sending")
    what.add_argument("--test", metavar="ROUTE", help="send a test message through every channel of ROUTE")
    notify.set_defaults(func=cmd_notify)
    export = sub.add_parser("export", help="write every mart as Parquet, DIR/<table>/, from either engine")
    export.add_argument("--out", required=True, help="the folder to write, one subfolder per mart")
    export.set_defaults(func=cmd_export)

    demo = sub.add_parser("demo", help="local S3, 15 months of generated exports, a full run")
    demo.add_argument("--orders-per-day", type=int, default=DEMO_ORDERS_PER_DAY)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--start", type=_day, default=None, help=f"the first export day (default {DEMO_START})")
    demo.add_argument("--end", type=_day, default=None, help=f"the last export day (default {DEMO_END})")
    demo.set_defaults(func=cmd_demo)
    return parser


def __getattr__(name: str):
    # `pipelines.cli.run_lock`: the warehouse's run lock, which the warehouse resource now owns.
    if name == "run_lock":
        from pipelines.resources import run_lock

        return run_lock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    from pipelines.lib.malloc import tune_malloc

    tune_malloc()  # before any thread allocates: freed downloads go back to the system
    args = build_parser().parse_args(argv)
    return main_with(args.func, args)


def main_with(func, args: argparse.Namespace) -> int:
    """Run a command; known errors are printed without a traceback and exit 2."""
    # Dagster marks single-run backfills as beta; the warning is for developers, not for run logs.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    from pipelines.resources import ConfigurationError, S3CallFailed, WarehouseLocked
    from pipelines.spark_jobs import SparkJobFailed

    try:
        return func(args)
    except (UsageError, ConfigurationError, WarehouseLocked, S3CallFailed, SparkJobFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
