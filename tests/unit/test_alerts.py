"""Alert episodes from hand-made metric series: every expected row is worked out by hand below."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from pipelines.defs.alerts.assets import (
    Alert,
    EpisodesNotBuilt,
    Series,
    alert_id,
    merge_alerts,
    read_alerts,
    update_alerts,
)
from tests.alert_episodes import Day, episodes, metrics_table, update_alerts_after_dbt

ODR = Series("A2SELLER1X", "ATVPDKIKX0DER", "MFN", "odr", 60)
LATE = Series("A2SELLER1X", "ATVPDKIKX0DER", "MFN", "late_shipment_rate", 10)
D = date(2026, 3, 1)


def day(n: int) -> date:
    """Day n of the test calendar: day(1) is 2026-03-01."""
    return D + timedelta(days=n - 1)


def series_of(*statuses: str, values=None) -> list[Day]:
    """Days 1.. with these statuses; value = day number / 1000 unless given."""
    values = values or [n / 1000 for n in range(1, len(statuses) + 1)]
    return [Day(day(n), s, v, 0.01, "LESS_THAN") for n, (s, v) in enumerate(zip(statuses, values, strict=True), 1)]


def test_opens_stays_open_through_no_data_resolves_and_reopens_as_a_new_alert():
    days = series_of("GOOD", "WARNING", "NO_DATA", "BAD", "NO_TARGET", "GOOD", "NO_DATA", "BAD", "BAD")
    first, second = episodes(ODR, days)
    # Day 2 opens it; day 3 (NO_DATA) and day 5 (NO_TARGET) neither close nor extend it; day 6 closes it.
    assert (first.opened_on, first.last_breached_on, first.resolved_on) == (day(2), day(4), day(6))
    assert (first.status, first.severity) == ("RESOLVED", "CRITICAL")
    assert (first.value, first.target, first.target_condition) == (0.004, 0.01, "LESS_THAN")  # day 4's
    # Day 8 opens a new one, still open after day 9.
    assert (second.opened_on, second.last_breached_on, second.resolved_on) == (day(8), day(9), None)
    assert (second.status, second.severity, second.value) == ("OPEN", "CRITICAL", 0.009)
    assert first.alert_id == alert_id(ODR, day(2)) != second.alert_id == alert_id(ODR, day(8))


def test_no_data_days_at_the_end_keep_the_episode_open_and_do_not_move_last_breached_on():
    (only,) = episodes(ODR, series_of("BAD", "NO_DATA", "NO_DATA", "NO_DATA"))
    assert (only.status, only.opened_on, only.last_breached_on, only.resolved_on) == ("OPEN", day(1), day(1), None)


def test_a_twenty_day_breach_is_one_alert():
    days = series_of(*["BAD"] * 20, "GOOD")
    (only,) = episodes(ODR, days)
    assert (only.opened_on, only.last_breached_on, only.resolved_on) == (day(1), day(20), day(21))


def test_good_and_no_data_alone_open_nothing_and_days_come_in_any_order():
    assert episodes(ODR, series_of("GOOD", "NO_DATA", "NO_TARGET", "GOOD")) == []
    days = series_of("GOOD", "BAD", "GOOD")
    assert episodes(ODR, list(reversed(days))) == episodes(ODR, days)


def test_severity_escalates_from_warning_to_critical_under_the_same_id():
    # customer_service_rating: 7.0 and 6.0 are WARNING (warning level 8), 5.9 is BAD.
    rating = Series("A2SELLER1X", "ATVPDKIKX0DER", "ALL", "customer_service_rating", 28)
    days = [
        Day(day(1), "GOOD", 9.0, 6.0, "AT_LEAST"),
        Day(day(2), "WARNING", 7.0, 6.0, "AT_LEAST"),
        Day(day(3), "WARNING", 6.0, 6.0, "AT_LEAST"),
        Day(day(4), "BAD", 5.9, 6.0, "AT_LEAST"),
        Day(day(5), "WARNING", 6.5, 6.0, "AT_LEAST"),
    ]
    (by_day_3,) = episodes(rating, days[:3])
    assert (by_day_3.severity, by_day_3.value, by_day_3.last_breached_on) == ("WARNING", 6.0, day(3))
    (by_day_5,) = episodes(rating, days)
    # Escalated on day 4 and stays CRITICAL when day 5 is only WARNING; the value is day 5's.
    assert (by_day_5.severity, by_day_5.value, by_day_5.last_breached_on) == ("CRITICAL", 6.5, day(5))
    assert by_day_5.alert_id == by_day_3.alert_id


def test_alert_id_is_a_function_of_the_series_and_the_first_day_only():
    assert alert_id(ODR, day(2)) == alert_id(Series(*vars(ODR).values()), date(2026, 3, 2))
    others = {
        alert_id(ODR, day(3)),
        alert_id(LATE, day(2)),
        alert_id(Series("A2SELLER1X", "ATVPDKIKX0DER", "AFN", "odr", 60), day(2)),
        alert_id(Series("A2SELLER1X", "ATVPDKIKX0DER", "MFN", "odr", 90), day(2)),
        alert_id(Series("A2SELLER1X", "A1PA6795UKMFR9", "MFN", "odr", 60), day(2)),
        alert_id(Series("A3SELLER2Y", "ATVPDKIKX0DER", "MFN", "odr", 60), day(2)),
    }
    assert len(others) == 6 and alert_id(ODR, day(2)) not in others


ACK = {"acknowledged_by": "maria", "acknowledged_at": datetime(2026, 3, 5, 9, 30), "note": "carrier strike"}


def annotated(alert: Alert, **ack) -> Alert:
    return Alert(**{**vars(alert), **(ack or ACK)})


def test_merge_keeps_annotations_and_updates_the_computed_columns():
    (stored,) = episodes(ODR, series_of("BAD", "BAD"))
    (now,) = episodes(ODR, series_of("BAD", "BAD", "WARNING", "GOOD"))
    (merged,) = merge_alerts([annotated(stored)], [now], {})
    assert (merged.status, merged.resolved_on, merged.last_breached_on) == ("RESOLVED", day(4), day(3))
    assert (merged.acknowledged_by, merged.acknowledged_at, merged.note) == tuple(ACK.values())


def test_restated_history_moves_an_annotation_to_the_overlapping_episode():
    # Stored: opened on day 3. Late data restates days 1-2 as BAD: the episode now opens on day 1.
    (stored,) = episodes(ODR, series_of("GOOD", "GOOD", "BAD", "BAD"))
    (now,) = episodes(ODR, series_of("BAD", "BAD", "BAD", "BAD"))
    (merged,) = merge_alerts([annotated(stored)], [now], {})
    assert merged.alert_id == alert_id(ODR, day(1)) != stored.alert_id
    assert merged.note == "carrier strike"


def test_restated_history_drops_unannotated_vanished_alerts_and_closes_annotated_ones():
    kept_series, dropped_series = ODR, LATE
    (kept,) = episodes(kept_series, series_of("GOOD", "BAD", "BAD"))
    (dropped,) = episodes(dropped_series, series_of("GOOD", "BAD", "BAD"))
    # The breach vanished from both series (the data behind it was corrected): nothing is computed.
    merged = merge_alerts([annotated(kept), dropped], [], {("A2SELLER1X", "ATVPDKIKX0DER"): day(9)})
    assert [(a.alert_id, a.status, a.resolved_on, a.note) for a in merged] == [
        (kept.alert_id, "RESOLVED", day(9), "carrier strike")
    ]
    # Running again changes nothing.
    assert merge_alerts(merged, [], {("A2SELLER1X", "ATVPDKIKX0DER"): day(12)}) == merged


def test_two_annotated_alerts_merged_by_restatement_hand_one_annotation_over_and_keep_the_other():
    first, second = episodes(ODR, series_of("BAD", "GOOD", "BAD"))
    (now,) = episodes(ODR, series_of("BAD", "NO_DATA", "BAD"))  # day 2 restated: one episode
    merged = merge_alerts([annotated(first), annotated(second, note="second look")], [now], {})
    assert [(a.alert_id, a.status, a.note) for a in merged] == [
        (first.alert_id, "OPEN", "carrier strike"),  # the recomputed episode has first's id and note
        (second.alert_id, "RESOLVED", "second look"),
    ]


# ---------- against a DuckDB table, as the asset runs


def metrics_con(rows: list[tuple[Series, Day]]) -> duckdb.DuckDBPyConnection:
    con = metrics_table()
    replace_metrics(con, rows)
    return con


def replace_metrics(con, rows: list[tuple[Series, Day]]) -> None:
    con.execute("delete from marts.seller_metrics_daily")
    if rows:
        con.executemany(
            "insert into marts.seller_metrics_daily values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*vars(s).values(), *vars(d).values()) for s, d in rows],
        )


ODR_STATUSES = ["GOOD", "WARNING", "BAD", "NO_DATA", "BAD", "GOOD", "GOOD", "BAD", "NO_DATA", "BAD"]
LATE_STATUSES = ["NO_DATA", "BAD", "GOOD", "NO_TARGET", "WARNING", "WARNING", "GOOD", "GOOD", "GOOD", "BAD"]


def history(up_to: int, restated: dict[int, str] | None = None) -> list[tuple[Series, Day]]:
    """Both series as a night `up_to` sees them; `restated` overrides statuses seen only on that night."""
    out = []
    for series, statuses in ((ODR, ODR_STATUSES), (LATE, LATE_STATUSES)):
        for n, status in enumerate(statuses[:up_to], 1):
            status = (restated or {}).get(n, status) if series == ODR else status
            out.append((series, Day(day(n), status, n / 1000, 0.01, "LESS_THAN")))
    return out


def table(con) -> list[tuple]:
    return con.execute("select * from marts.alerts order by all").fetchall()


def test_update_alerts_writes_the_table_and_keeps_an_acknowledgement_on_every_later_run():
    con = metrics_con(history(3))
    (alert,) = [a for a in update_alerts_after_dbt(con) if a.series == ODR]
    con.execute(
        "update marts.alerts set acknowledged_by = 'maria', acknowledged_at = '2026-03-04 08:00', "
        "note = 'looking into it' where alert_id = ?",
        [alert.alert_id],
    )
    for night in range(4, 11):
        replace_metrics(con, history(night))
        update_alerts_after_dbt(con)
    rows = {a.alert_id: a for a in read_alerts(con)}
    kept = rows[alert.alert_id]
    assert (kept.status, kept.opened_on, kept.resolved_on, kept.severity) == ("RESOLVED", day(2), day(6), "CRITICAL")
    assert (kept.acknowledged_by, kept.acknowledged_at, kept.note) == (
        "maria",
        datetime(2026, 3, 4, 8, 0),
        "looking into it",
    )


def test_night_by_night_equals_one_backfill_even_with_restated_days():
    backfill = metrics_con(history(10))
    update_alerts_after_dbt(backfill)
    nightly = metrics_con([])
    for night in range(1, 11):
        # Night 7 saw day 7 as BAD before late data made it GOOD; night 9 saw day 6 as NO_DATA.
        restated = {7: "BAD"} if night == 7 else {6: "NO_DATA"} if night == 9 else None
        replace_metrics(nightly, history(night, restated))
        update_alerts_after_dbt(nightly)
    assert table(nightly) == table(backfill)
    # By hand: ODR opens day 2 (CRITICAL via day 3), resolved day 6; opens day 8, open. LATE: day 2..3,
    # day 5..7 (WARNING only), day 10 open.
    summary = [(r[4], r[6], r[7], r[8], r[9], r[10]) for r in table(backfill)]
    assert sorted(summary) == sorted(
        [
            ("odr", "CRITICAL", "RESOLVED", day(2), day(5), day(6)),
            ("odr", "CRITICAL", "OPEN", day(8), day(10), None),
            ("late_shipment_rate", "CRITICAL", "RESOLVED", day(2), day(2), day(3)),
            ("late_shipment_rate", "WARNING", "RESOLVED", day(5), day(6), day(7)),
            ("late_shipment_rate", "CRITICAL", "OPEN", day(10), day(10), None),
        ]
    )


def test_a_failed_update_leaves_the_table_as_it_was(monkeypatch):
    con = metrics_con(history(10))
    update_alerts_after_dbt(con)
    before = table(con)
    replace_metrics(con, history(10, {10: "GOOD"}))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("pipelines.defs.alerts.assets.merge_alerts", broken)
    with pytest.raises(RuntimeError, match="boom"):
        update_alerts_after_dbt(con)
    assert table(con) == before


def test_update_alerts_before_the_dbt_build_says_what_is_missing():
    con = metrics_con(history(3))
    with pytest.raises(EpisodesNotBuilt, match=r"intermediate\.int_alert_episodes does not exist: build the dbt"):
        update_alerts(con)
