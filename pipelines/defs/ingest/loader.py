"""Loading one export over a range of days from S3 into its raw table, in one transaction.

The range's rows are replaced as a whole: rows of files uploaded again, or deleted, since the last
load go, so a re-run never double counts. Download, reading and checking, and storing overlap in
a pipeline of batches (files download on a few threads, a batch is read and checked on another
while the previous one is stored), at most three batches at a time, so memory does not grow with
the range.

Storing a batch writes its checked rows to a Parquet file in a folder beside the warehouse (the
spool); every million rows or so, and at the end, one statement moves the spooled files into the
loading table. DuckDB reads the files on all its threads and writes whole row groups into the
database file. Inserting each batch of about 80,000 rows on its own went through the write-ahead
log and a checkpoint for each, single-threaded: a year's backfill spent 81.6 s storing that way,
48.3 s through the spool (docs/benchmark.md).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.layout import ExportKey
from pipelines.lib.parsing import FileRejected, ParsedFile, TextFile, check_files, read_file
from pipelines.lib.warehouse import RAW_SCHEMA, ensure_raw_tables, sql_string, transaction
from pipelines.resources import ExportObject, S3Exports, known_folders

DOWNLOAD_THREADS = 8
# Files in flight at once: bounds memory (a batch's rows are held as Polars frames until they are
# inserted), keeps the download threads busy. 64 files of 10,000 order rows took 2.5 GB; a
# batch stops at 64 files or about 32 MB of text, whichever comes first.
BATCH_FILES = 64
BATCH_TEXT_BYTES = 32 * 1024 * 1024
GZIP_RATIO = 8  # a .gz file's text, estimated from its size
# Spooled rows moved into the loading table at once: enough row groups (122,880 rows each) for
# DuckDB to write them in parallel, few enough that the spool stays a few tens of MB on disk.
SPOOL_ROWS = 1_000_000
SPOOL_LOCK = ".lock"
SPOOL_INFIX = ".spool-"
# a spool folder without its lock this long was left by a load killed while making it
SPOOL_UNLOCKED_GRACE_SECONDS = 60


@dataclass
class IngestSummary:
    export: str
    first_day: date
    last_day: date
    files: int = 0
    files_rejected: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    windows_1252_files: int = 0
    problems: list[str] = field(default_factory=list)  # one line per rejected file or warning
    invalid_keys: list[str] = field(default_factory=list)
    # Where the time went (s): the stages overlap, so their sum can exceed the wall time.
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("listing", "download_wait", "read_and_check", "store", "commit"), 0.0)
    )

    def timing_line(self) -> str:
        s = self.seconds
        return (
            f"{self.export}: seconds: listing {s['listing']:.2f}, waiting for downloads {s['download_wait']:.2f}, "
            f"reading and checking {s['read_and_check']:.2f}, storing {s['store']:.2f}, committing {s['commit']:.2f}"
        )

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_rejected


def _file_row(obj: ExportObject, etag: str, parsed: ParsedFile | None, error: FileRejected | None, now):
    key = obj.key
    if error is not None:
        status, read, loaded, rejected, message = "REJECTED", error.rows_read, 0, error.rows_read, str(error)
        encoding = "unknown"
    else:
        read, loaded, rejected = parsed.rows_read, parsed.table.height, parsed.rows_rejected
        status = "LOADED_WITH_REJECTS" if rejected else "LOADED"
        message = "; ".join(parsed.warnings) or None
        encoding = parsed.encoding
    return (
        key.export,
        key.seller_id,
        key.marketplace_id,
        key.dt,
        key.key,
        etag,
        obj.size,
        encoding,
        status,
        read,
        loaded,
        rejected,
        message,
        now,
    )


def _rejected_rows(obj: ExportObject, etag: str, parsed: ParsedFile | None, error: FileRejected | None, now):
    key = obj.key
    base = (key.export, key.seller_id, key.marketplace_id, key.dt, key.key, etag)
    if error is not None:
        return [(*base, error.line_number, error.column, error.check, None, str(error), now)]
    return [
        (
            *base,
            r.line_number,
            r.column,
            r.check,
            r.value,
            f"{key.key}, line {r.line_number}" + (f", column {r.column}" if r.column else "") + f": {r.message}",
            now,
        )
        for r in parsed.rejections
    ]


def _with_lineage(key: ExportKey, etag: str, frame: pl.DataFrame, now: datetime) -> pl.DataFrame:
    return frame.with_columns(
        seller_id=pl.lit(key.seller_id),
        marketplace_id=pl.lit(key.marketplace_id),
        dt=pl.lit(key.dt, dtype=pl.Date),
        _source_key=pl.lit(key.key),
        _etag=pl.lit(etag),
        _loaded_at=pl.lit(now, dtype=pl.Datetime("us")),
    )


def ingest_export(
    export: str,
    first_day: date,
    last_day: date,
    s3: S3Exports,
    con: duckdb.DuckDBPyConnection,
    log: logging.Logger | None = None,
    progress_every: int = 500,
    on_progress: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Replace the rows of `export` for [first_day, last_day] with what the bucket holds now."""
    log = log or logging.getLogger(__name__)
    started = time.monotonic()
    ensure_raw_tables(con)
    listing = s3.list_export(export, first_day, last_day, _known_folders(con, export, first_day))
    summary = IngestSummary(export, first_day, last_day, invalid_keys=listing.invalid_keys)
    summary.seconds["listing"] = time.monotonic() - started
    for message in listing.invalid_keys:
        log.error("key not read: %s", message)
    now = datetime.now(UTC).replace(tzinfo=None)
    client = s3.client()

    # Batches go to loading tables first, each committed on its own: DuckDB holds a transaction's
    # new rows in memory, so a year loaded in one transaction grew by 0.5 GB per million rows.
    # The raw tables then change in one short transaction: nothing of the range, or all of it.
    loading = _create_loading_tables(con, export)
    spool = None
    try:
        spool = _Spool(con, export, loading["rows"])
        objects = listing.objects
        batches = _batches(objects)
        done = 0
        for batch, outcomes in _checked_batches(export, batches, s3, client, summary.seconds):
            started = time.monotonic()
            _store_batch(con, loading, spool, outcomes, summary, now, log)
            summary.seconds["store"] += time.monotonic() - started
            before, done = done, done + len(batch)
            if done // progress_every != before // progress_every or done == len(objects):
                line = (
                    f"{export}: {done}/{len(objects)} files, {summary.rows_loaded:,} rows loaded, "
                    f"{summary.rows_rejected:,} rejected"
                )
                log.info(line)
                if on_progress:
                    on_progress(line)
        started = time.monotonic()
        spool.flush()
        summary.seconds["store"] += time.monotonic() - started
        started = time.monotonic()
        table = f"{RAW_SCHEMA}.{export}"
        # the setting changes outside the transaction: after a failed statement DuckDB refuses
        # anything but a rollback, and the failure would hide behind that refusal
        with _in_any_order(con), transaction(con):
            # the ETags of the bytes loaded (a file uploaded again after the listing has another)
            loaded = dict(con.execute(f"select source_key, etag from {loading['files']}").fetchall())
            _record_restatement(con, export, first_day, last_day, loaded, now)
            for audit in ("ingested_files", "rejected_rows"):
                con.execute(
                    f"delete from {RAW_SCHEMA}.{audit} where export = ? and dt between ? and ?",
                    [export, first_day, last_day],
                )
            (outside,) = con.execute(
                f"select count(*) from {table} where dt not between ? and ?", [first_day, last_day]
            ).fetchone()
            if outside:
                con.execute(f"delete from {table} where dt between ? and ?", [first_day, last_day])
                con.execute(f"insert into {table} by name select * from {loading['rows']}")
            else:
                # The table holds nothing but this range (a first backfill): the loaded table takes
                # its place instead of being copied (16 s for a year of 7.6 million order rows).
                con.execute(f"drop table {table}")
                con.execute(f"alter table {loading['rows']} rename to {export}")
            con.execute(f"insert into {RAW_SCHEMA}.ingested_files by name select * from {loading['files']}")
            con.execute(f"insert into {RAW_SCHEMA}.rejected_rows by name select * from {loading['rejected']}")
        summary.seconds["commit"] = time.monotonic() - started
    finally:
        if spool is not None:
            spool.remove()
        for name in loading.values():
            con.execute(f"drop table if exists {name}")
    log.info(summary.timing_line())
    return summary


def _known_folders(con: duckdb.DuckDBPyConnection, export: str, first_day: date) -> dict:
    """What the ledger holds of each seller-marketplace folder of `export`: it plans the listing's requests."""
    return known_folders(
        con.execute(
            f"select seller_id, marketplace_id, count(*), count(*) filter (where dt >= ?), count(distinct dt) "
            f"from {RAW_SCHEMA}.ingested_files where export = ? group by all",
            [first_day, export],
        ).fetchall()
    )


def _create_loading_tables(con: duckdb.DuckDBPyConnection, export: str) -> dict[str, str]:
    """Empty copies of the raw table and the two audit tables, for one load of `export`.

    They live in the raw schema (a table can only be renamed within its schema), named
    `_loading_<export>...`. A load killed midway leaves them behind; the next load replaces them.
    """
    tables = {
        "rows": (f"{RAW_SCHEMA}._loading_{export}", f"{RAW_SCHEMA}.{export}"),
        "files": (f"{RAW_SCHEMA}._loading_{export}__ingested_files", f"{RAW_SCHEMA}.ingested_files"),
        "rejected": (f"{RAW_SCHEMA}._loading_{export}__rejected_rows", f"{RAW_SCHEMA}.rejected_rows"),
    }
    for name, like in tables.values():
        con.execute(f"create or replace table {name} as select * from {like} limit 0")
    return {role: name for role, (name, _) in tables.items()}


def _batches(objects: list[ExportObject]) -> list[list[ExportObject]]:
    """Consecutive groups of at most BATCH_FILES files and about BATCH_TEXT_BYTES of text."""
    batches: list[list[ExportObject]] = []
    current: list[ExportObject] = []
    text_bytes = 0
    for obj in objects:
        size = obj.size * (GZIP_RATIO if obj.key.key.endswith(".gz") else 1)
        if current and (len(current) >= BATCH_FILES or text_bytes + size > BATCH_TEXT_BYTES):
            batches.append(current)
            current, text_bytes = [], 0
        current.append(obj)
        text_bytes += size
    if current:
        batches.append(current)
    return batches


def _record_restatement(con, export: str, first_day: date, last_day: date, loaded: dict[str, str], now) -> None:
    """Note in raw.restatements when files loaded before for the range are gone or changed.

    `loaded`: the key and ETag of each file this load replaces the range with. Rows of files gone or
    changed may disappear with this load, which the incrementally built models cannot see: the next
    run rebuilds them in full. Loading the same files again, or new ones, only adds or repeats rows
    and needs no such thing.
    """
    before = con.execute(
        f"select source_key, etag from {RAW_SCHEMA}.ingested_files where export = ? and dt between ? and ?",
        [export, first_day, last_day],
    ).fetchall()
    removed = [key for key, _ in before if key not in loaded]
    changed = [key for key, etag in before if key in loaded and loaded[key] != etag]
    if removed or changed:
        con.execute(
            f"insert into {RAW_SCHEMA}.restatements values (?, ?, ?, ?, ?, ?, ?, null)",
            [export, first_day, last_day, len(changed), len(removed), (changed + removed)[0], now],
        )


def _unexpected(obj: ExportObject, stage: str, exc: Exception, rows_read: int = 0) -> FileRejected:
    """A failure inside one file's own handling that no rule foresaw: that file's rejection, not the run's."""
    cause = f"{type(exc).__name__}: {exc}"
    return FileRejected(
        obj.key.key, "unreadable", f"the file could not be {stage} ({cause[:500]})", rows_read=rows_read
    )


def _read_one(obj: ExportObject, body: bytes) -> TextFile:
    try:
        return read_file(obj.key, body)
    except FileRejected:
        raise
    except Exception as exc:  # any exception while decoding or splitting: this file's rejection
        raise _unexpected(obj, "read", exc) from exc


def _check_batch(export: str, read_ok: list[tuple[ExportObject, str, TextFile]]) -> list:
    """Type and check the batch's files together; when that fails, each file alone, a failing one rejected."""
    try:
        checked = check_files(export, [text for *_, text in read_ok])
        return [(obj, etag, parsed, None) for (obj, etag, _), parsed in zip(read_ok, checked, strict=True)]
    except Exception:  # one file broke the batch: find it by checking each on its own
        outcomes = []
        for obj, etag, text in read_ok:
            try:
                outcomes.append((obj, etag, check_files(export, [text])[0], None))
            except FileRejected as exc:
                outcomes.append((obj, etag, None, exc))
            except Exception as exc:
                outcomes.append((obj, etag, None, _unexpected(obj, "checked", exc, rows_read=text.rows_read)))
        return outcomes


def _checked_batches(
    export: str, batches: list[list[ExportObject]], s3: S3Exports, client, seconds: dict[str, float]
) -> Iterator:
    """(batch, outcomes) in order, as a pipeline: while the caller stores batch i, batch i + 1 is read
    and checked on a thread of its own and batch i + 2 downloads, so at most three batches are in
    memory at once. Polars and DuckDB release the GIL, so the three stages run side by side.
    """
    downloads: dict[int, list[Future]] = {}
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool, ThreadPoolExecutor(1) as checker:

        def download(j: int) -> None:
            if j < len(batches) and j not in downloads:
                downloads[j] = [pool.submit(s3.get, client, o.key.key) for o in batches[j]]

        def check(j: int) -> Future:
            download(j)
            return checker.submit(_read_and_check, export, batches[j], downloads.pop(j), seconds)

        checking = check(0) if batches else None
        download(1)
        for i, batch in enumerate(batches):
            outcomes = checking.result()
            if i + 1 < len(batches):
                checking = check(i + 1)
                download(i + 2)
            yield batch, outcomes


def _read_and_check(export: str, batch: list[ExportObject], downloads: list[Future], seconds: dict) -> list:
    """Each file of the batch with its outcome: (object, ETag, ParsedFile or None, FileRejected or None)."""
    read_ok: list[tuple[ExportObject, str, TextFile]] = []
    outcomes: list[tuple[ExportObject, str, ParsedFile | None, FileRejected | None]] = []
    for obj, download in zip(batch, downloads, strict=True):
        waited = time.monotonic()
        body, etag = download.result()
        started = time.monotonic()
        seconds["download_wait"] += started - waited
        try:
            read_ok.append((obj, etag, _read_one(obj, body)))
        except FileRejected as exc:
            outcomes.append((obj, etag, None, exc))
        seconds["read_and_check"] += time.monotonic() - started
    started = time.monotonic()
    outcomes += _check_batch(export, read_ok)
    seconds["read_and_check"] += time.monotonic() - started
    return outcomes


class _Spool:
    """Checked rows on their way into the loading table `table`, as Parquet files beside the warehouse.

    The folder is `.<warehouse file>.spool-<export>-<random>` in the warehouse's directory (the
    system's temporary directory for an in-memory database). A load holds an flock on the folder's
    `.lock` until it removes the folder; a folder whose lock can be taken was left by a killed
    load, and the next load into that directory removes it (a killed parallel-ingest worker's
    too, whose database file had a name of its own).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, export: str, table: str):
        self.con, self.table = con, table
        (path,) = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
        parent = Path(path).resolve().parent if path else Path(tempfile.gettempdir())
        prefix = f".{Path(path).name if path else 'memory'}{SPOOL_INFIX}{export}-"
        _remove_stale_spools(parent)
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        try:
            # locked under another name first, then renamed: a cleaner never finds `.lock` unlocked
            self.lock = os.open(self.folder / f"{SPOOL_LOCK}.new", os.O_CREAT | os.O_RDWR, 0o600)
            fcntl.flock(self.lock, fcntl.LOCK_EX)
            os.rename(self.folder / f"{SPOOL_LOCK}.new", self.folder / SPOOL_LOCK)
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.files: list[Path] = []
        self.rows = 0
        self.written = 0

    def add(self, frame: pl.DataFrame) -> None:
        path = self.folder / f"{self.written:06d}.parquet"
        frame.write_parquet(path, compression="lz4", statistics=False)
        self.written += 1
        self.files.append(path)
        self.rows += frame.height
        if self.rows >= SPOOL_ROWS:
            self.flush()

    def flush(self) -> None:
        """Move every spooled file into the table, in one statement, and delete them."""
        if not self.files:
            return
        files = ", ".join(sql_string(str(path)) for path in self.files)
        with _in_any_order(self.con):
            self.con.execute(
                f"insert into {self.table} by name select * from read_parquet([{files}], hive_partitioning = false)"
            )
        for path in self.files:
            path.unlink(missing_ok=True)
        self.files, self.rows = [], 0

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        os.close(self.lock)


def _remove_stale_spools(parent: Path) -> None:
    """Remove the spools in `parent` that no living load holds (any warehouse's, any export's)."""
    for folder in parent.glob(f".*{SPOOL_INFIX}*"):
        try:
            fd = os.open(folder / SPOOL_LOCK, os.O_RDWR)
        except OSError:
            # no lock file: a load is making it this instant, or was killed while making it (a
            # microsecond's window); a folder without one for a minute is the second kind
            with suppress(OSError):
                if time.time() - folder.stat().st_mtime > SPOOL_UNLOCKED_GRACE_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a living load holds it
        else:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


@contextmanager
def _in_any_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB store the rows of the statements inside in any order, on all its threads.

    Nothing reads the raw tables in storage order (every model orders by its own columns). The
    connection's setting is put back afterwards.
    """
    (keep,) = con.execute("select current_setting('preserve_insertion_order')").fetchone()
    con.execute("set preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"set preserve_insertion_order = {'true' if keep else 'false'}")


def _store_batch(con, loading: dict[str, str], spool: _Spool, outcomes: list, summary: IngestSummary, now, log) -> None:
    frames, file_rows, rejected = [], [], []
    for obj, etag, parsed, error in sorted(outcomes, key=lambda o: o[0].key.key):
        summary.files += 1
        if error is not None:
            summary.files_rejected += 1
            summary.rows_read += error.rows_read
            summary.rows_rejected += error.rows_read
            summary.problems.append(str(error))
            log.error("file rejected: %s", error)
        else:
            summary.rows_read += parsed.rows_read
            summary.rows_loaded += parsed.table.height
            summary.rows_rejected += parsed.rows_rejected
            summary.windows_1252_files += parsed.encoding != "utf-8"
            for warning in parsed.warnings:
                summary.problems.append(f"{obj.key.key}: {warning}")
                log.warning("%s: %s", obj.key.key, warning)
            if parsed.rejections:
                first = parsed.rejections[0]
                log.warning(
                    "%s: %d rows kept aside, first: line %s, column %s: %s",
                    obj.key.key,
                    parsed.rows_rejected,
                    first.line_number,
                    first.column,
                    first.message,
                )
            if parsed.table.height:
                frames.append(_with_lineage(obj.key, etag, parsed.table, now))
        file_rows.append(_file_row(obj, etag, parsed, error, now))
        rejected += _rejected_rows(obj, etag, parsed, error, now)
    if frames:
        spool.add(pl.concat(frames, how="vertical"))
    con.executemany(f"insert into {loading['files']} values ({', '.join(['?'] * 14)})", file_rows)
    if rejected:
        con.executemany(f"insert into {loading['rejected']} values ({', '.join(['?'] * 12)})", rejected)
