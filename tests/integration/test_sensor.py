"""The late-exports sensor against a real moto_server over HTTP, evaluated with Dagster's test context."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.defs.ingest.sensors import LATE_EXPORTS_SENSOR_NAME, Seen
from pipelines.resources import S3Exports

US = "ATVPDKIKX0DER"


@pytest.fixture(scope="module")
def definitions():
    from pipelines.definitions import defs

    return defs


def key(dt: date | str, export: str = "orders", file: str = "part-0000.tsv") -> str:
    return f"{export}/seller_id=A2SELLER1X/marketplace_id={US}/dt={dt}/{file}"


class Sensor:
    """Evaluates the sensor tick after tick, carrying its cursor as the daemon does."""

    def __init__(self, definitions):
        self.defs = definitions
        self.sensor = definitions.resolve_sensor_def(LATE_EXPORTS_SENSOR_NAME)
        self.cursor: str | None = None

    def tick(self):
        context = dg.build_sensor_context(cursor=self.cursor, resources={"s3": S3Exports()}, definitions=self.defs)
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor if result.cursor is not None else self.cursor
        return result


def wait_for_next_second():
    """S3 lists LastModified to the second: make the next upload's LastModified a later one."""
    time.sleep(1.05 - (time.time() % 1))


def test_first_look_records_the_bucket_and_runs_nothing(definitions, bucket):
    bucket.put(key("2026-03-01"), b"a")
    bucket.put(key("2026-03-02"), b"b")
    sensor = Sensor(definitions)
    first = sensor.tick()
    assert first.run_requests == [] and "first evaluation: 2 files" in first.skip_message
    seen = Seen.from_json(sensor.cursor)
    assert {k for k, _ in seen.keys} <= {key("2026-03-01"), key("2026-03-02")} and seen.last_modified
    second = sensor.tick()
    assert second.run_requests == [] and second.skip_message == "no new or re-uploaded files"


def test_a_late_file_runs_its_day_and_a_reupload_runs_it_again(definitions, bucket):
    bucket.put(key("2026-03-01"), b"a")
    sensor = Sensor(definitions)
    sensor.tick()

    wait_for_next_second()
    bucket.put(key("2026-03-02", export="claims"), b"late claims")
    (request,) = sensor.tick().run_requests
    assert request.partition_key == "2026-03-02"
    assert request.tags["sellerhealth/trigger"] == LATE_EXPORTS_SENSOR_NAME
    assert request.tags["dagster/partition"] == "2026-03-02"
    assert sensor.tick().run_requests == []

    # The same key uploaded again, later: a new LastModified.
    wait_for_next_second()
    bucket.put(key("2026-03-02", export="claims"), b"late claims, corrected")
    (again,) = sensor.tick().run_requests
    assert again.partition_key == "2026-03-02" and again.run_key != request.run_key


def test_a_reupload_within_the_same_second_is_seen_by_its_etag(definitions, bucket):
    sensor = Sensor(definitions)
    sensor.tick()
    bucket.put(key("2026-03-03"), b"first")
    sensor.tick()
    bucket.put(key("2026-03-03"), b"second")  # very likely the same second; if not, seen by its time
    (request,) = sensor.tick().run_requests
    assert request.partition_key == "2026-03-03"


def test_files_of_several_days_make_one_range_run(definitions, bucket):
    sensor = Sensor(definitions)
    sensor.tick()  # empty bucket: nothing recorded yet, so files that come next are new
    for dt in ("2026-02-27", "2026-03-04", "2026-03-01"):
        bucket.put(key(dt), b"x")
    bucket.put(key("2026-03-01", export="feedback", file="fb.tsv"), b"x")
    (request,) = sensor.tick().run_requests
    assert request.partition_key is None
    assert (request.tags[ASSET_PARTITION_RANGE_START_TAG], request.tags[ASSET_PARTITION_RANGE_END_TAG]) == (
        "2026-02-27",
        "2026-03-04",
    )


def test_todays_files_are_left_to_the_nightly_run_and_bad_keys_are_ignored(definitions, bucket):
    sensor = Sensor(definitions)
    sensor.tick()
    today = datetime.now(UTC).date()
    bucket.put(key(today), b"x")
    bucket.put(f"orders/seller_id=bad'id/marketplace_id={US}/dt=2026-03-01/x.tsv", b"x")
    bucket.put("notes/readme.txt", b"x")
    result = sensor.tick()
    assert result.run_requests == [] and "all of today" in result.skip_message
    assert sensor.tick().skip_message == "no new or re-uploaded files"
    wait_for_next_second()
    bucket.put(key(today - timedelta(days=1)), b"yesterday, late")
    (request,) = sensor.tick().run_requests
    assert request.partition_key == (today - timedelta(days=1)).isoformat()


def test_the_prefix_is_read_when_the_sensor_runs(definitions, bucket, monkeypatch):
    monkeypatch.setenv("SELLER_EXPORTS_PREFIX", "amazon/")
    sensor = Sensor(definitions)
    sensor.tick()
    bucket.put(key("2026-03-02"), b"outside the prefix")
    bucket.put("amazon/" + key("2026-03-05"), b"inside")
    (request,) = sensor.tick().run_requests
    assert request.partition_key == "2026-03-05"
