"""Ingestion spread over processes: one worker process per export, one writer of the warehouse.

DuckDB lets one process write a file, so the workers never touch the warehouse. Each worker runs
the ordinary loader (`ingest_export`: S3, parsing, contracts, rejected rows) for its export and
day range into a DuckDB file of its own, `<stage>/<export>.duckdb`, written under a temporary name
and renamed when the load is complete: a worker killed midway leaves only a `.tmp` file, which
nothing reads and the next run of that step replaces. When the workers are done, the single
writer merges every complete staged file into the warehouse, one export at a time, each in one
transaction (the range's rows, audit rows and rejected rows replaced as a whole), then writes the
Parquet raw layer for the Spark engine from the committed rows, as a run does.

    python -m pipelines.parallel_ingest stage --export orders --start D --end D --stage DIR
    sellerhealth ingest --start D --end D --workers 4      # stage every export, then merge
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipelines.lib.child import PARENT_PID_VARIABLE, die_with_parent, parent_gone
from pipelines.lib.malloc import tune_malloc
from pipelines.lib.warehouse import RAW_SCHEMA, ensure_raw_tables, sql_string, transaction

STAGED_SUFFIX = ".duckdb"


def staged_file(stage: Path, export: str) -> Path:
    return stage / f"{export}{STAGED_SUFFIX}"


def stage_export(export: str, first_day: date, last_day: date, stage: Path) -> Path:
    """In a worker process: load `export` for the range into its own DuckDB file; published by a rename."""
    from pipelines.defs.ingest.loader import ingest_export
    from pipelines.resources import S3Exports
    from pipelines.settings import Settings

    stage.mkdir(parents=True, exist_ok=True)
    final = staged_file(stage, export)
    tmp = stage / f".{export}-{os.getpid()}{STAGED_SUFFIX}.tmp"
    tmp.unlink(missing_ok=True)
    with duckdb.connect(str(tmp), config={"memory_limit": Settings.from_env().load_memory_limit}) as con:
        ingest_export(export, first_day, last_day, S3Exports(), con)
        con.execute("checkpoint")
    os.replace(tmp, final)
    return final


@dataclass
class MergeCounts:
    export: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int


def merge_staged(
    con: duckdb.DuckDBPyConnection, export: str, first_day: date, last_day: date, staged: Path
) -> MergeCounts:
    """The single writer: replace the range of `export` in the warehouse with the staged rows, in one transaction."""
    from pipelines.defs.ingest.loader import _record_restatement

    ensure_raw_tables(con)
    con.execute(f"attach {sql_string(str(staged))} as staged (read_only)")
    try:
        etags = dict(
            con.execute(
                f"select source_key, etag from staged.{RAW_SCHEMA}.ingested_files where export = ?", [export]
            ).fetchall()
        )
        # the worker's load time; none when it found no file (every file of the range removed)
        (now,) = con.execute(f"select max(loaded_at) from staged.{RAW_SCHEMA}.ingested_files").fetchone()
        now = now or datetime.now(UTC).replace(tzinfo=None)
        with transaction(con):
            _record_restatement(con, export, first_day, last_day, etags, now)
            con.execute(f"delete from {RAW_SCHEMA}.{export} where dt between ? and ?", [first_day, last_day])
            con.execute(
                f"insert into {RAW_SCHEMA}.{export} by name select * from staged.{RAW_SCHEMA}.{export} "
                "where dt between ? and ?",
                [first_day, last_day],
            )
            for audit in ("ingested_files", "rejected_rows"):
                con.execute(
                    f"delete from {RAW_SCHEMA}.{audit} where export = ? and dt between ? and ?",
                    [export, first_day, last_day],
                )
                con.execute(
                    f"insert into {RAW_SCHEMA}.{audit} by name select * from staged.{RAW_SCHEMA}.{audit} "
                    "where export = ? and dt between ? and ?",
                    [export, first_day, last_day],
                )
        files, read, loaded, rejected = con.execute(
            f"select count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
            f"coalesce(sum(rows_rejected), 0) from {RAW_SCHEMA}.ingested_files "
            "where export = ? and dt between ? and ?",
            [export, first_day, last_day],
        ).fetchone()
    finally:
        con.execute("detach staged")
    return MergeCounts(export, int(files), int(read), int(loaded), int(rejected))


def worker_command(export: str, first_day: date, last_day: date, stage: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pipelines.parallel_ingest",
        "stage",
        "--export",
        export,
        "--start",
        first_day.isoformat(),
        "--end",
        last_day.isoformat(),
        "--stage",
        str(stage),
    ]


def run_workers(exports: list[str], first_day: date, last_day: date, stage: Path, workers: int) -> list[str]:
    """Stage every export, at most `workers` processes at once. Returns the exports whose worker failed."""
    stage.mkdir(parents=True, exist_ok=True)
    for export in exports:
        # what a killed worker of an earlier run left: its partial file, never read
        for leftover in [staged_file(stage, export), *stage.glob(f".{export}-*")]:
            leftover.unlink(missing_ok=True)
    pending, running, failed = list(exports), {}, []
    while pending or running:
        while pending and len(running) < workers:
            export = pending.pop(0)
            running[export] = subprocess.Popen(
                worker_command(export, first_day, last_day, stage),
                env={**os.environ, PARENT_PID_VARIABLE: str(os.getpid())},
            )
        export, proc = next(iter(running.items()))
        if proc.wait() != 0:
            failed.append(export)
        del running[export]
    return failed


def merge_all(
    con: duckdb.DuckDBPyConnection, exports: list[str], first_day: date, last_day: date, stage: Path
) -> list[MergeCounts]:
    """The writer's step, after the workers: merge each staged export, then (Spark engine) its Parquet raw layer."""
    from pipelines.lib import engine
    from pipelines.lib.raw_parquet import write_ingested_files, write_raw_days

    merged = []
    for export in exports:
        staged = staged_file(stage, export)
        merged.append(merge_staged(con, export, first_day, last_day, staged))
        if engine.is_spark():
            write_raw_days(con, export, first_day, last_day, engine.raw_path())
        staged.unlink()
    if merged and engine.is_spark():
        write_ingested_files(con, engine.raw_path())
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.parallel_ingest")
    sub = parser.add_subparsers(dest="command", required=True)
    stage = sub.add_parser("stage", help="one worker: load one export for the range into DIR/<export>.duckdb")
    stage.add_argument("--export", required=True)
    stage.add_argument("--start", type=date.fromisoformat, required=True)
    stage.add_argument("--end", type=date.fromisoformat, required=True)
    stage.add_argument("--stage", type=Path, required=True)
    args = parser.parse_args(argv)
    tune_malloc()  # pipelines/lib/malloc.py
    # a worker dies with the command that started it: killed, it could not merge the file anyway,
    # and a rerun would find this worker still writing into the staging folder
    die_with_parent()
    if parent_gone(os.environ):
        print(f"error: {args.export}: the command that started this worker is gone", file=sys.stderr)
        return 2
    from pipelines.resources import ConfigurationError, S3CallFailed

    try:
        path = stage_export(args.export, args.start, args.end, args.stage)
    except (ConfigurationError, S3CallFailed) as exc:
        print(f"error: {args.export}: {exc}", file=sys.stderr)
        return 2
    print(f"{args.export}: staged in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
