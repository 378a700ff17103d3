"""`sellerhealth generate` continued night by night is the same simulation as one generation.

A demo run night by night generates the first days, then each later day with the first run's
`--start` as `--history-start` (docs/operations.md). The bucket must end up with exactly the
objects that one `generate` over every day writes (byte for byte, through the real moto_server
endpoint), so the orders placed before a night ship, get feedback and claims on the nights that
follow, and a pipeline run night by night over the continued days raises no alert that one run
over the one-shot generation does not.

Everything goes through the installed `sellerhealth` command, each call its own process.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.lib.layout import parse_key

BIN = Path(sys.executable).parent
FIRST, LAST_BEFORE_NIGHTS = date(2026, 2, 1), date(2026, 2, 21)
NIGHTS = (date(2026, 2, 22), date(2026, 2, 23))
SIMULATION = ("--sellers", "1", "--orders-per-day", "12", "--seed", "11")
ONCE, NIGHTLY = "sellerhealth-generate-once", "sellerhealth-generate-nightly"
ALERT_COLUMNS = (
    "seller_id, marketplace_id, fulfillment_channel, metric, window_days, severity, status, "
    "opened_on, last_breached_on, resolved_on, value, source"
)


def _cli(bucket: str, *args: str, warehouse: Path | None = None) -> str:
    env = dict(os.environ, SELLER_EXPORTS_BUCKET=bucket)
    env.pop("SELLER_EXPORTS_PREFIX", None)
    env.pop("DAGSTER_HOME", None)
    if warehouse is not None:
        env["WAREHOUSE_PATH"] = str(warehouse)
    done = subprocess.run([str(BIN / "sellerhealth"), *args], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _objects(bucket: str) -> dict[str, bytes]:
    client = boto3.client("s3")
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def _rows(key: str, body: bytes) -> list[dict[str, str]]:
    text = (gzip.decompress(body) if key.endswith(".gz") else body).decode("utf-8-sig")
    header, *lines = text.splitlines()
    return [dict(zip(header.split("\t"), line.split("\t"), strict=True)) for line in lines]


@pytest.fixture(scope="module")
def buckets(s3_endpoint):
    """ONCE: one generation over every day. NIGHTLY: the days before the nights, then one run a night."""
    _cli(ONCE, "generate", "--start", str(FIRST), "--end", str(NIGHTS[-1]), "--create-bucket", *SIMULATION)
    _cli(NIGHTLY, "generate", "--start", str(FIRST), "--end", str(LAST_BEFORE_NIGHTS), "--create-bucket", *SIMULATION)
    outputs = []
    for night in NIGHTS:
        outputs.append(
            _cli(
                NIGHTLY, "generate", "--history-start", str(FIRST), "--start", str(night), "--end", str(night),
                *SIMULATION,
            )
        )  # fmt: skip
    return _objects(ONCE), _objects(NIGHTLY), outputs


def test_continued_nights_write_exactly_the_objects_of_one_generation(buckets):
    once, nightly, outputs = buckets
    assert len(once) > 21 * 2 * 2  # at least orders and feedback, every day, both marketplaces
    assert nightly.keys() == once.keys()
    assert [k for k in once if nightly[k] != once[k]] == []
    for night, output in zip(NIGHTS, outputs, strict=True):
        assert f"for {night} .. {night} (history from {FIRST})" in output


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_the_nights_continue_the_earlier_orders(buckets):
    """What the issue saw: most orders due to ship on the next night never shipped. Here the
    seller-fulfilled orders placed before the nights and due to ship during them (not cancelled)
    have their ship confirmation, on time but for the generator's ~2 % of late shipments."""
    _, nightly, _ = buckets
    placed, shipped, due, cancelled = {}, {}, {}, set()
    for key, body in nightly.items():
        k = parse_key(key)
        if k.export == "orders":
            for row in _rows(key, body):
                placed.setdefault((k.marketplace_id, row["amazon-order-id"]), _instant(row["purchase-date"]))
        elif k.export == "mfn_shipments":
            for row in _rows(key, body):
                order = (k.marketplace_id, row["amazon-order-id"])
                due[order] = _instant(row["latest-ship-date"])
                if row["shipped-at"]:
                    shipped[order] = _instant(row["shipped-at"])
        elif k.export == "cancellations":
            cancelled |= {(k.marketplace_id, row["amazon-order-id"]) for row in _rows(key, body)}
    nights_start = datetime.combine(NIGHTS[0], time(), UTC)
    nights_end = datetime.combine(NIGHTS[-1] + timedelta(days=1), time(), UTC)
    due_in_nights = [
        o for o, d in due.items() if nights_start <= d < nights_end and placed[o] < nights_start and o not in cancelled
    ]
    assert len(due_in_nights) >= 10
    late = [o for o in due_in_nights if o not in shipped or shipped[o] > due[o]]
    assert len(late) <= 1, late


@pytest.fixture(scope="module")
def alerts(buckets, tmp_path_factory):
    """The alerts of a run over the one-shot generation, and of runs night by night over the continued one."""
    once = tmp_path_factory.mktemp("once") / "seller_health.duckdb"
    _cli(ONCE, "run", "--start", str(FIRST), "--end", str(NIGHTS[-1]), warehouse=once)
    nightly = tmp_path_factory.mktemp("nightly") / "seller_health.duckdb"
    _cli(NIGHTLY, "run", "--start", str(FIRST), "--end", str(LAST_BEFORE_NIGHTS), warehouse=nightly)
    for night in NIGHTS:
        _cli(NIGHTLY, "run", "--start", str(night), "--end", str(night), warehouse=nightly)
    found = []
    for path in (once, nightly):
        with duckdb.connect(str(path), read_only=True) as con:
            (last_day,) = con.execute("select max(as_of_date) from marts.seller_metrics_daily").fetchone()
            found.append((last_day, set(con.execute(f"select {ALERT_COLUMNS} from marts.alerts").fetchall())))
    return found


def test_night_by_night_runs_raise_no_alert_the_one_shot_run_does_not(alerts):
    (once_last_day, once), (nightly_last_day, nightly) = alerts
    assert once_last_day == nightly_last_day == NIGHTS[-1]
    assert once, "the one-shot generation should raise some alerts to compare"
    assert nightly - once == set()
    assert nightly == once
