"""Shared fixtures: a real `moto_server` process over HTTP, a bucket per test, a DuckDB file per test."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import boto3
import pytest

from pipelines.lib.local_s3 import local_s3, local_s3_env

# The tests load real files from 2011 and 2018: partitions from 2010 (before pipelines.partitions is imported).
os.environ.setdefault("SELLERHEALTH_FIRST_DAY", "2010-01-01")

REPO = Path(__file__).resolve().parent.parent
REAL_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
_bucket_numbers = itertools.count()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    with local_s3(log_path=tmp_path_factory.mktemp("moto") / "moto_server.log") as endpoint:
        saved = {k: os.environ.get(k) for k in local_s3_env(endpoint)}
        os.environ.update(local_s3_env(endpoint))
        yield endpoint
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Bucket:
    """A fresh bucket on the local endpoint, with helpers to put exports into it."""

    def __init__(self, name: str, prefix: str = ""):
        self.name = name
        self.prefix = prefix
        self.client = boto3.client("s3")
        self.client.create_bucket(Bucket=name)

    def put(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self.name, Key=self.prefix + key, Body=body)
        return self.prefix + key

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=self.prefix + key)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch) -> Bucket:
    name = f"sellerhealth-test-{os.getpid()}-{next(_bucket_numbers)}"
    monkeypatch.setenv("SELLER_EXPORTS_BUCKET", name)
    monkeypatch.setenv("SELLER_EXPORTS_PREFIX", "")
    return Bucket(name)


@pytest.fixture
def warehouse_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "warehouse" / "seller_health.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    return path
