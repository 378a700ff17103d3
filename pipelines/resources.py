"""Dagster resources: the exports bucket (boto3), the DuckDB warehouse and dbt.

Configuration comes from `pipelines.settings.Settings` (docs/configuration.md): read once when a
run's resources are set up, or when a resource is used outside a run; never at import time.
The warehouse resource also holds the run lock for the whole run (`Warehouse.yield_for_execution`).
"""

from __future__ import annotations

import fcntl
import functools
import os
import random
import re
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import duckdb
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    IncompleteReadError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from pydantic import PrivateAttr

from pipelines.lib.child import dbt_executable
from pipelines.lib.layout import EXPORTS, ExportKey, InvalidKey, parse_key
from pipelines.settings import ConfigurationError, Settings

__all__ = ["ConfigurationError", "S3Exports", "Warehouse", "WarehouseLocked", "dbt_executable"]

LIST_THREADS = 8  # seller and marketplace folders listed at once
PAGE_KEYS = 1000  # keys S3 returns per LIST request
REPO_ROOT = Path(__file__).resolve().parent.parent


class WarehouseLocked(RuntimeError):
    """Another process holds the DuckDB file open for writing."""


class S3CallFailed(RuntimeError):
    """An S3 call failed for good (after retries); the message names the export, day(s) and key."""


_DT_IN_KEY = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})/")
# A body that breaks off while it is read fails after botocore's retries have returned: read again.
_BODY_ERRORS = (ResponseStreamingError, IncompleteReadError, ReadTimeoutError, ConnectionClosedError)


@dataclass(frozen=True)
class ExportObject:
    key: ExportKey
    etag: str
    size: int


@dataclass
class Listing:
    objects: list[ExportObject]
    invalid_keys: list[str]  # keys under the export that do not follow the layout, with the reason


@dataclass(frozen=True)
class KnownFolder:
    """What the warehouse's ledger (raw.ingested_files) holds of one seller-marketplace folder of an export."""

    keys: int  # files of the folder, every day
    keys_from_first_day: int  # of them, those of the listing's first day or later
    days: int  # days with files


def known_folders(rows) -> dict[tuple[str, str], KnownFolder]:
    """`KnownFolder`s from rows of (seller_id, marketplace_id, keys, keys_from_first_day, days)."""
    return {(seller, market): KnownFolder(keys, later, days) for seller, market, keys, later, days in rows}


def plan_listings(folders: list[tuple[str, KnownFolder | None]], days: int) -> list[list[str]]:
    """Group seller-marketplace folders (in key order) into listings of about one LIST request each.

    A listing of a group starts at its first folder's first day and passes over every key of the
    folders after it, so it costs the first folder's keys from the first day on, the others' keys,
    and the new days (the folder's files a day, times `days`). Folders are grouped while that sum
    stays within one page. A folder the ledger does not know (None) is listed alone: its history
    is unknown, and alone it costs one request whatever its size.
    """
    groups: list[list[str]] = []
    cost = 0
    for market, known in sorted(folders, key=lambda f: f[0]):
        if known is None:
            groups.append([market])
            cost = PAGE_KEYS + 1  # nothing joins it
            continue
        new_days = -(-known.keys * days // known.days) if known.days else 0
        if groups and cost + known.keys + new_days <= PAGE_KEYS:
            groups[-1].append(market)
            cost += known.keys + new_days
        else:
            groups.append([market])
            cost = known.keys_from_first_day + new_days
    return groups


def _outside_layout(key: str, prefix: str) -> str:
    """Why a key under an export folder but in no `dt=` folder is not read (parse_key's words)."""
    try:
        parse_key(key, prefix)
    except InvalidKey as exc:
        return str(exc)
    raise AssertionError(f"{key!r} follows the layout")  # it has a /dt=, so it was in a folder


def _common_start(names: list[str]) -> str:
    """The longest prefix every name of a sorted list shares (that of its first and last)."""
    return os.path.commonprefix([names[0], names[-1]])


class S3Exports(dg.ConfigurableResource):
    """The bucket of daily exports. Empty fields fall back to the environment variables."""

    bucket: str = ""
    prefix: str = ""
    endpoint_url: str = ""
    max_attempts: int = 8

    _settings: Settings | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._settings = Settings.from_env()  # once, when the run (or sensor evaluation) starts

    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    def resolved_bucket(self) -> str:
        return self.bucket or self.settings().bucket()

    def resolved_prefix(self) -> str:
        return self.prefix or self.settings().exports_prefix

    def client(self):
        """A boto3 S3 client: standard chain for credentials and region; adaptive retries back off on throttling.

        Clients are thread-safe and cost about 0.15 s each to create, so one is kept per process
        and setting (a night's run used to create 21 of them).
        """
        endpoint = self.endpoint_url or self.settings().aws_endpoint_url or None
        return _s3_client(endpoint, self.max_attempts, _credentials_fingerprint())

    def _common_prefixes(self, client, prefix: str) -> list[str]:
        out = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.resolved_bucket(), Prefix=prefix, Delimiter="/"
        ):
            out += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return out

    def list_export(
        self, export: str, first_day: date, last_day: date, known: Mapping[tuple[str, str], KnownFolder] | None = None
    ) -> Listing:
        """Every file of `export` whose `dt` is in [first_day, last_day], in key order.

        `known`: what the warehouse already holds of each (seller_id, marketplace_id) folder of the
        export (`KnownFolder`); it only decides how many LIST requests the listing takes.
        """
        try:
            return self._list_export(export, first_day, last_day, known or {})
        except (BotoCoreError, ClientError) as exc:
            raise S3CallFailed(
                f"export {export}, days {first_day} .. {last_day}: listing "
                f"s3://{self.resolved_bucket()}/{self.resolved_prefix()}{export}/ failed: {exc}"
            ) from exc

    def _list_export(
        self, export: str, first_day: date, last_day: date, known: Mapping[tuple[str, str], KnownFolder]
    ) -> Listing:
        """The listing of `list_export`, in as few LIST requests as the warehouse's ledger allows.

        One request (per 1,000 folders) finds every seller-marketplace folder of the export (the
        delimiter `/dt=`). Then `plan_listings` groups neighbouring folders: a folder the ledger
        does not know is listed alone, from `first_day` on (keys sort by date), stopping past
        `last_day`, so its listing does not grow with the history; folders the ledger knows are
        listed together, one request for all of them while what they hold fits one page (1,000
        keys). A night for a hundred small sellers takes about ten requests per export instead of a
        hundred and fifty. The groups are listed on a few threads at once.
        """
        client = self.client()
        prefix = self.resolved_prefix()
        valid: list[tuple[str, ExportKey]] = []
        unreadable: list[str] = []
        folders, loose = self._day_folders(client, f"{prefix}{export}/")
        for folder in folders:
            market = folder[: -len("dt=")]
            try:
                valid.append((market, parse_key(f"{market}dt={first_day.isoformat()}/probe", prefix)))
            except InvalidKey:
                # An unknown marketplace id or a seller id outside the layout: every key of the
                # range under it is named, none skipped in silence.
                unreadable.append(market)
        groups = plan_listings(
            [(market, known.get((probe.seller_id, probe.marketplace_id))) for market, probe in valid],
            (last_day - first_day).days + 1,
        )
        bucket = self.resolved_bucket()
        with ThreadPoolExecutor(LIST_THREADS) as pool:
            parts = list(pool.map(lambda g: self._list_group(client, g, first_day, last_day), groups))
            bad = list(
                pool.map(lambda m: self._unreadable_keys(client, bucket, prefix, m, first_day, last_day), unreadable)
            )
        return Listing(
            sorted((o for objects, _ in parts for o in objects), key=lambda o: o.key.key),
            [_outside_layout(k, prefix) for k in loose]
            + [i for _, invalid in parts for i in invalid]
            + [i for found in bad for i in found],
        )

    def _day_folders(self, client, export_prefix: str) -> tuple[list[str], list[str]]:
        """The `.../dt=` folders under an export (one request per 1,000), and its keys outside any."""
        folders: list[str] = []
        loose: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.resolved_bucket(), Prefix=export_prefix, Delimiter="/dt="
        ):
            folders += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            loose += [item["Key"] for item in page.get("Contents", [])]
        return folders, loose

    def _list_group(
        self, client, markets: list[str], first_day: date, last_day: date
    ) -> tuple[list[ExportObject], list[str]]:
        """The files of [first_day, last_day] under consecutive seller-marketplace folders, and keys not read.

        One paginated listing from the first folder's `first_day` to the last folder's `last_day`:
        keys of the folders' other days are passed over, keys of folders outside `markets` ignored.
        """
        prefix = self.resolved_prefix()
        members = set(markets)
        # the first key after every key of the last folder ('0' follows '/')
        stop = markets[-1][:-1] + "0"
        objects: list[ExportObject] = []
        invalid: list[str] = []
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=self.resolved_bucket(),
            Prefix=markets[0] if len(markets) == 1 else _common_start(markets),
            StartAfter=f"{markets[0]}dt={first_day.isoformat()}",
        )
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"]
                if name >= stop:
                    return objects, invalid
                at = name.find("/dt=")
                if at < 0 or name[: at + 1] not in members:
                    continue
                try:
                    key = parse_key(name, prefix)
                except InvalidKey as exc:
                    day = _DT_IN_KEY.search(name[at + 1 :])
                    if not day or first_day.isoformat() <= day[1] <= last_day.isoformat():
                        invalid.append(str(exc))
                    continue
                if first_day <= key.dt <= last_day:
                    objects.append(ExportObject(key, item["ETag"].strip('"'), item["Size"]))
                elif key.dt > last_day and name.startswith(markets[-1]):
                    return objects, invalid
        return objects, invalid

    @staticmethod
    def _unreadable_keys(client, bucket: str, prefix: str, folder: str, first_day: date, last_day: date) -> list[str]:
        """Why each key of [first_day, last_day] under a folder the layout refuses cannot be read."""
        out = []
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=folder, StartAfter=f"{folder}dt={first_day.isoformat()}"
        )
        for page in pages:
            for item in page.get("Contents", []):
                day = _DT_IN_KEY.search(item["Key"][len(folder) :])
                if day and day[1] > last_day.isoformat():
                    return out
                try:
                    parse_key(item["Key"], prefix)
                except InvalidKey as exc:
                    out.append(str(exc))
        return out

    def unknown_exports(self) -> list[str]:
        """Top-level folders that are not an export of the spec: ignored, but worth a log line."""
        prefix = self.resolved_prefix()
        try:
            folders = self._common_prefixes(self.client(), prefix)
        except (BotoCoreError, ClientError) as exc:
            raise S3CallFailed(f"listing s3://{self.resolved_bucket()}/{prefix} failed: {exc}") from exc
        return [f for f in folders if f[len(prefix) :].rstrip("/") not in EXPORTS]

    def get(self, client, key: str) -> tuple[bytes, str]:
        """The object's bytes and the ETag of exactly that version.

        botocore retries the request (throttling, 5xx, connection errors) with backoff; a body that
        breaks off while it is read is fetched again here, with the same exponential backoff.
        """
        bucket = self.resolved_bucket()
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = client.get_object(Bucket=bucket, Key=key)
            except (BotoCoreError, ClientError) as exc:
                raise S3CallFailed(f"{self._describe(key)}: download failed: {exc}") from exc
            try:
                return response["Body"].read(), response["ETag"].strip('"')
            except _BODY_ERRORS as exc:
                if attempt == self.max_attempts:
                    raise S3CallFailed(
                        f"{self._describe(key)}: download broke off {attempt} times, last: {exc}"
                    ) from exc
                time.sleep(min(20.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0))
        raise AssertionError("unreachable")

    def _describe(self, key: str) -> str:
        where = f"s3://{self.resolved_bucket()}/{key}"
        try:
            parsed = parse_key(key, self.resolved_prefix())
        except InvalidKey:
            return f"file {where}"
        return f"export {parsed.export}, day {parsed.dt}, file {where}"


def _credentials_fingerprint() -> tuple[str | None, ...]:
    """The environment a boto3 client is built from: a change (tests, key rotation) makes a new client."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_REGION")
    return tuple(os.environ.get(name) for name in names)


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint: str | None, max_attempts: int, _environment: tuple[str | None, ...]):
    config = Config(retries={"max_attempts": max_attempts, "mode": "adaptive"})
    return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file the pipeline writes (WAREHOUSE_PATH, default warehouse/seller_health.duckdb).

    In a run it holds `<warehouse>.run-lock` from the run's start to its end, whoever started the
    run (`sellerhealth run`, the schedule, the sensor, the UI, a backfill): a second run on the same
    warehouse stops before its first step, with `lock_message`'s words.

    In a run, the exports' loads share one connection (`connect(loading=True)`): opening the file
    reads its catalogue and closing it checkpoints, each about 0.1 s on a year of a large seller,
    which a night paid once per export. It is closed (`release`) before any other connection of the
    run opens the file, before dbt's process does, when a load fails and when the run ends.
    """

    path: str = ""
    _settings: Settings | None = PrivateAttr(default=None)
    _in_run: bool = PrivateAttr(default=False)
    _loading: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[Warehouse]:
        self._settings = Settings.from_env()  # once, when the run starts
        with self.run_lock():
            if context.log:
                context.log.info(f"holding the run lock {run_lock_path(self.resolved_path())}")
            self._in_run = True
            try:
                yield self
            finally:
                self._in_run = False
                self.release()

    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    def resolved_path(self) -> Path:
        return Path(self.path).resolve() if self.path else self.settings().warehouse()

    def published_path(self) -> Path:
        """The read-only copy BI tools read (PUBLISHED_WAREHOUSE_PATH, default beside the warehouse)."""
        return self.settings().published_warehouse(self.resolved_path())

    def run_lock(self):
        return run_lock(self.resolved_path())

    @contextmanager
    def connect(self, loading: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection; WarehouseLocked, saying who holds it, when another process has the file.

        DuckDB's memory is SELLERHEALTH_DUCKDB_MEMORY_LIMIT, or SELLERHEALTH_LOAD_MEMORY_LIMIT for
        a connection that loads exports (`loading`).
        """
        if loading and self._in_run:
            if self._loading is None:
                self._loading = self._open(loading=True)
            try:
                yield self._loading  # left open for the next export's load
            except BaseException:
                self.release()  # a failed load may leave it mid-statement: the next one starts afresh
                raise
            return
        self.release()
        con = self._open(loading=loading)
        try:
            yield con
        finally:
            con.close()

    def release(self) -> None:
        """Close the loads' shared connection, if open (DuckDB checkpoints the loads into the file)."""
        if self._loading is not None:
            con, self._loading = self._loading, None
            con.close()

    def _open(self, loading: bool) -> duckdb.DuckDBPyConnection:
        path = self.resolved_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            settings = self.settings()
            limit = settings.load_memory_limit if loading else settings.duckdb_memory_limit
            return duckdb.connect(str(path), config={"memory_limit": limit})
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLocked(lock_message(path, self.published_path(), str(exc))) from exc
            raise


def run_lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".run-lock")


@contextmanager
def run_lock(warehouse_path: Path) -> Iterator[None]:
    """Hold `<warehouse>.run-lock` for a whole run: a second run on the same warehouse stops at once.

    DuckDB's own lock is held per step, so two runs started together would take turns at it and
    both fail halfway. The lock is an flock: it goes with the process, even a killed one.
    """
    lock_path = run_lock_path(warehouse_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise WarehouseLocked(
            f"the warehouse {warehouse_path} is open for writing by another process "
            f"(another run holds {lock_path}); run again when it has finished"
        ) from None
    try:
        yield
    finally:
        os.close(fd)


_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def lock_message(path: Path, published: Path, error: str) -> str:
    """What to tell the operator when DuckDB refuses the warehouse because another process has it.

    DuckDB adds "you would be able to open this database in read-only mode" when the process that
    holds the file holds it read-only: a reader (a BI tool, a notebook, the DuckDB CLI) on the
    working file, which should read the published copy instead.
    """
    found = _HOLDER.search(error)
    holder = f" ({Path(found['program']).name}, PID {found['pid']})" if found else ""
    if "read-only mode" in error:
        return (
            f"the warehouse {path} is open read-only by another process{holder}: a reader of the working "
            f"file (a BI tool, a notebook, the DuckDB CLI) blocks every run, since DuckDB lets nobody write "
            f"a file that another process has open. Point readers at the published copy {published}, close "
            f"that process and run again"
        )
    return (
        f"the warehouse {path} is open for writing by another process{holder} "
        f"(another run, or a tool that opened it read-write); run again when it has finished"
    )
