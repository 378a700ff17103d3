"""Dagster resources: the exports bucket (boto3), the DuckDB warehouse and dbt.

Configuration comes from the environment variables of shared/spec/warehouse.md, read when a
resource is used, never at import time, so tests and the demo can point them anywhere.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import boto3
import dagster as dg
import duckdb
from botocore.config import Config

from pipelines.lib.layout import EXPORTS, ExportKey, InvalidKey, day_prefix, parse_key

DEFAULT_WAREHOUSE_PATH = "warehouse/seller_health.duckdb"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to set it."""


class WarehouseLocked(RuntimeError):
    """Another process holds the DuckDB file open for writing."""


@dataclass(frozen=True)
class ExportObject:
    key: ExportKey
    etag: str
    size: int


@dataclass
class Listing:
    objects: list[ExportObject]
    invalid_keys: list[str]  # keys under the export that do not follow the layout, with the reason


class S3Exports(dg.ConfigurableResource):
    """The bucket of daily exports. Empty fields fall back to the environment variables."""

    bucket: str = ""
    prefix: str = ""
    endpoint_url: str = ""
    max_attempts: int = 8

    def resolved_bucket(self) -> str:
        bucket = self.bucket or os.environ.get("SELLER_EXPORTS_BUCKET", "")
        if not bucket:
            raise ConfigurationError("no bucket: set SELLER_EXPORTS_BUCKET to the bucket that holds the exports")
        return bucket

    def resolved_prefix(self) -> str:
        return self.prefix or os.environ.get("SELLER_EXPORTS_PREFIX", "")

    def client(self):
        # Standard boto3 chain for credentials and region; adaptive retries back off on throttling.
        config = Config(retries={"max_attempts": self.max_attempts, "mode": "adaptive"})
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        return boto3.session.Session().client("s3", endpoint_url=endpoint, config=config)

    def _common_prefixes(self, client, prefix: str) -> list[str]:
        out = []
        for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=self.resolved_bucket(), Prefix=prefix, Delimiter="/"
        ):
            out += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return out

    def list_export(self, export: str, first_day: date, last_day: date) -> Listing:
        """Every file of `export` whose `dt` is in [first_day, last_day], in key order.

        Lists seller and marketplace folders, then each one's `dt=` folders from `first_day` on
        (keys sort by date), so a night's listing does not grow with the history kept.
        """
        client = self.client()
        prefix = self.resolved_prefix()
        bucket = self.resolved_bucket()
        objects: list[ExportObject] = []
        invalid: list[str] = []
        for seller_prefix in self._common_prefixes(client, f"{prefix}{export}/"):
            for market_prefix in self._common_prefixes(client, seller_prefix):
                try:
                    probe = parse_key(f"{market_prefix}dt={first_day.isoformat()}/probe", prefix)
                except InvalidKey as exc:
                    invalid.append(str(exc).replace("/dt=" + first_day.isoformat() + "/probe", "/..."))
                    continue
                start = day_prefix(prefix, export, probe.seller_id, probe.marketplace_id)
                pages = client.get_paginator("list_objects_v2").paginate(
                    Bucket=bucket, Prefix=start, StartAfter=f"{start}{first_day.isoformat()}"
                )
                for page in pages:
                    done = False
                    for item in page.get("Contents", []):
                        try:
                            key = parse_key(item["Key"], prefix)
                        except InvalidKey as exc:
                            invalid.append(str(exc))
                            continue
                        if key.dt > last_day:
                            done = True
                            break
                        if key.dt >= first_day:
                            objects.append(ExportObject(key, item["ETag"].strip('"'), item["Size"]))
                    if done:
                        break
        return Listing(objects, invalid)

    def unknown_exports(self) -> list[str]:
        """Top-level folders that are not an export of the spec: ignored, but worth a log line."""
        prefix = self.resolved_prefix()
        folders = self._common_prefixes(self.client(), prefix)
        return [f for f in folders if f[len(prefix) :].rstrip("/") not in EXPORTS]

    def get(self, client, key: str) -> tuple[bytes, str]:
        """The object's bytes and the ETag of exactly that version."""
        response = client.get_object(Bucket=self.resolved_bucket(), Key=key)
        return response["Body"].read(), response["ETag"].strip('"')


class Warehouse(dg.ConfigurableResource):
    """The DuckDB file the pipeline writes (WAREHOUSE_PATH, default warehouse/seller_health.duckdb)."""

    path: str = ""

    def resolved_path(self) -> Path:
        return Path(self.path or os.environ.get("WAREHOUSE_PATH") or DEFAULT_WAREHOUSE_PATH).resolve()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = self.resolved_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLocked(
                    f"the warehouse {path} is open for writing by another process "
                    f"(another run, or a tool that opened it read-write): {exc}"
                ) from exc
            raise
        try:
            yield con
        finally:
            con.close()


def dbt_executable() -> str:
    """The `dbt` installed beside this Python, so runs work without an activated virtualenv (cron)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"
