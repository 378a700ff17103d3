"""The late-exports sensor's cursor: files listed late with an older LastModified are still new.

S3 stamps LastModified when an upload begins (a multipart upload: when it was initiated), so a large
file whose upload began first can appear in a listing after a small one that began later. moto
stamps its objects when they are complete, so this is the cursor's logic on objects as S3 lists them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pipelines.defs.ingest.sensors import LATE_LISTING_WINDOW, S3Object, Seen, new_objects, run_request
from pipelines.lib.layout import parse_key

T = datetime(2026, 3, 5, 10, 0, 0, tzinfo=UTC)
EARLIER = Seen(T - timedelta(days=1), frozenset())  # the cursor of an evaluation the day before


def obj(day: str, file: str, last_modified: datetime, etag: str = "e1") -> S3Object:
    key = f"orders/seller_id=A2SELLER1X/marketplace_id=ATVPDKIKX0DER/dt={day}/{file}"
    return S3Object(parse_key(key), last_modified, etag)


def test_a_long_upload_listed_after_a_later_short_one_is_new_once():
    large = obj("2026-03-02", "large.tsv", T)  # upload began at 10:00:00, complete at 10:02
    small = obj("2026-03-03", "small.tsv", T + timedelta(seconds=30))  # began and ended at 10:00:30

    new, seen = new_objects([small], EARLIER)  # the look at 10:01 lists the small file only
    assert new == [small] and seen.last_modified == small.last_modified

    new, seen = new_objects([small, large], seen)  # the look at 10:06: the large one, older
    assert new == [large]
    assert seen.last_modified == small.last_modified
    assert seen.keys == {small.version, large.version}

    assert new_objects([small, large], Seen.from_json(seen.to_json())) == ([], seen)


def test_an_upload_again_within_the_window_is_new_by_its_etag():
    first = obj("2026-03-02", "a.tsv", T)
    newest = obj("2026-03-03", "b.tsv", T + timedelta(minutes=10))
    _, seen = new_objects([first, newest], EARLIER)
    again = obj("2026-03-02", "a.tsv", T, etag="e2")  # the same key and stamp, other bytes
    assert new_objects([again, newest], seen)[0] == [again]


def test_the_cursor_keeps_only_the_window():
    old = obj("2026-03-01", "old.tsv", T - LATE_LISTING_WINDOW - timedelta(minutes=1))
    recent = obj("2026-03-02", "recent.tsv", T - timedelta(minutes=5))
    newest = obj("2026-03-03", "newest.tsv", T)
    _, seen = new_objects([old, recent, newest], EARLIER)
    assert seen.keys == {recent.version, newest.version}
    # a file that never appeared in a listing although stamped before the window is taken for seen:
    # an upload lasting longer than the window is the one case the cursor does not catch
    never_listed = obj("2026-03-01", "never.tsv", T - LATE_LISTING_WINDOW - timedelta(minutes=2))
    assert new_objects([old, recent, newest, never_listed], seen)[0] == []


def test_two_runs_for_the_same_days_at_the_same_instant_have_their_own_keys():
    seen = Seen(T, frozenset())
    a, b = obj("2026-03-02", "a.tsv", T), obj("2026-03-02", "b.tsv", T - timedelta(minutes=3))
    first = run_request([date(2026, 3, 2)], seen, [a])
    second = run_request([date(2026, 3, 2)], seen, [b])
    assert first.partition_key == second.partition_key == "2026-03-02"
    assert first.run_key != second.run_key
