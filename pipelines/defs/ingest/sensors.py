"""The late-exports sensor: a run for the days whose files arrived late or were uploaded again.

Every few minutes it lists the bucket (every export's folder, with `S3Exports`, whose settings are
read at each evaluation) and compares each object's `LastModified` with its cursor: the greatest
`LastModified` seen so far and the keys (with their ETags) seen with a `LastModified` within
`LATE_LISTING_WINDOW` (an hour) before it. An object is new when it is later than that instant,
or within the window under a key or ETag not seen. The window is there because S3 stamps
`LastModified` when an upload begins (a multipart upload: when it was initiated), so a large file
whose upload began before a small one's can be listed after it, with an older `LastModified`
than the cursor's: an upload that takes less than the window is never missed. A key uploaded
again gets a new `LastModified`, so it is seen again; S3 lists `LastModified` to the second, and
the ETag catches a key uploaded again, with other content, within the same second.

New files of days before today (UTC) ask for a run; today's files are left to the nightly run
that loads today once it has ended. All the days of one evaluation go into ONE run over the range
from the earliest to the latest of them: a run rebuilds every model, updates the alerts and
publishes, so one run costs one rebuild whatever the number of days, and the warehouse (DuckDB,
one writer) never sees two runs started together. Days in the range without new files are loaded
again, which changes nothing (a load replaces a day with what the bucket holds).

The first evaluation only records where the bucket stands: the history already there is what a
backfill loads (`sellerhealth run` or a backfill in the UI), not one run per day.
"""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from pipelines.lib.layout import EXPORTS, ExportKey, InvalidKey, parse_key
from pipelines.resources import S3Exports

LATE_EXPORTS_SENSOR_NAME = "late_exports"
MINIMUM_INTERVAL_SECONDS = 300
TRIGGER_TAG = "sellerhealth/trigger"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the cursor after a first look at an empty bucket
# How much older than the newest object seen an upload's LastModified may be and still be compared
# with what was seen (module docstring): the longest upload of one export file it never misses.
LATE_LISTING_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Seen:
    """The cursor: the greatest LastModified seen and the (key, ETag)s seen within the window before it."""

    last_modified: datetime | None = None
    keys: frozenset[tuple[str, str]] = frozenset()

    def to_json(self) -> str:
        stamp = self.last_modified.isoformat() if self.last_modified else None
        return json.dumps({"last_modified": stamp, "keys": sorted(self.keys)})

    @classmethod
    def from_json(cls, text: str | None) -> "Seen":
        if not text:
            return cls()
        data = json.loads(text)
        stamp = data.get("last_modified")
        keys = frozenset((key, etag) for key, etag in data.get("keys", []))
        return cls(datetime.fromisoformat(stamp) if stamp else None, keys)


@dataclass(frozen=True)
class S3Object:
    key: ExportKey
    last_modified: datetime
    etag: str

    @property
    def version(self) -> tuple[str, str]:
        return (self.key.key, self.etag)


def list_objects(s3: S3Exports) -> Iterator[S3Object]:
    """Every export file in the bucket with its LastModified; keys outside the layout are skipped."""
    client = s3.client()
    bucket, prefix = s3.resolved_bucket(), s3.resolved_prefix()
    paginator = client.get_paginator("list_objects_v2")
    for export in EXPORTS:
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}{export}/"):
            for item in page.get("Contents", []):
                try:
                    key = parse_key(item["Key"], prefix)
                except InvalidKey:
                    continue  # the ingestion asset reports these, with the reason
                yield S3Object(key, item["LastModified"].astimezone(UTC), item["ETag"].strip('"'))


def new_objects(objects: Iterable[S3Object], seen: Seen) -> tuple[list[S3Object], Seen]:
    """The objects not seen before, and the cursor after them."""
    objects = list(objects)
    if seen.last_modified is None:
        new = objects
    else:
        since = seen.last_modified - LATE_LISTING_WINDOW
        new = [
            o
            for o in objects
            if o.last_modified > seen.last_modified or (o.last_modified >= since and o.version not in seen.keys)
        ]
    if not new:
        return [], seen
    latest = max(o.last_modified for o in new)
    if seen.last_modified is not None:
        latest = max(latest, seen.last_modified)
    # everything listed within the window before the newest instant: what the next look compares with
    keys = frozenset(o.version for o in objects if o.last_modified >= latest - LATE_LISTING_WINDOW)
    return new, Seen(latest, keys)


def late_days(new: Iterable[S3Object], today: date) -> list[date]:
    """The days before `today` that have a new file, in order."""
    return sorted({o.key.dt for o in new if o.key.dt < today})


def run_request(days: list[date], seen: Seen, new: Iterable[S3Object] = ()) -> dg.RunRequest:
    """One run over [first day, last day], keyed by the files that asked for it.

    Dagster starts one run per run key: a late listed file older than the cursor's instant leaves
    that instant as it was, so the key also names the new files (a digest of their keys and ETags).
    """
    first, last = days[0].isoformat(), days[-1].isoformat()
    digest = hashlib.sha1("\n".join(sorted("\t".join(o.version) for o in new)).encode()).hexdigest()
    run_key = f"{LATE_EXPORTS_SENSOR_NAME}-{first}-{last}-{seen.last_modified.isoformat()}-{digest[:12]}"
    tags = {TRIGGER_TAG: LATE_EXPORTS_SENSOR_NAME}
    if first == last:
        return dg.RunRequest(run_key=run_key, partition_key=first, tags=tags)
    return dg.RunRequest(
        run_key=run_key,
        tags={**tags, ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
    )


def build_late_exports_sensor(job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        name=LATE_EXPORTS_SENSOR_NAME,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        description=(
            "Lists the exports bucket; files of earlier days that arrive late or are uploaded again "
            "start one run over those days."
        ),
    )
    def late_exports(context: dg.SensorEvaluationContext, s3: S3Exports) -> dg.SensorResult | dg.SkipReason:
        seen = Seen.from_json(context.cursor)
        new, after = new_objects(list_objects(s3), seen)
        if seen.last_modified is None:
            context.update_cursor((after if after.last_modified else Seen(_EPOCH)).to_json())
            return dg.SkipReason(f"first evaluation: {len(new)} files already in the bucket recorded, none run")
        if not new:
            return dg.SkipReason("no new or re-uploaded files")
        days = late_days(new, datetime.now(UTC).date())
        if not days:
            context.update_cursor(after.to_json())
            return dg.SkipReason(f"{len(new)} new files, all of today: left to the nightly run")
        context.log.info(f"{len(new)} new or re-uploaded files; late days: {', '.join(map(str, days))}")
        return dg.SensorResult(run_requests=[run_request(days, after, new)], cursor=after.to_json())

    return late_exports
