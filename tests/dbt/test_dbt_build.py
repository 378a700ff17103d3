"""The dbt project built for real: `dbt seed` + `dbt build` on a DuckDB file of raw tables.

`dbt build` runs every model, every unit test (the hand-worked metric cases) and every data test.
The first test builds on empty raw tables; the second on a small raw dataset whose metrics are
worked out by hand below from docs/metrics.md; the last checks the ordering rule of versions on
the two largest staging models, in a full and an incremental build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.metric_catalog import series as catalog_series
from pipelines.lib.warehouse import ensure_raw_tables

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
SELLER, MARKETPLACE = "A2SELLER1X", "ATVPDKIKX0DER"
# metric x channel x window combinations of the metric catalogue (26 for the metrics of docs/metrics.md)
SERIES_PER_DAY = len(catalog_series())


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("dbt")
    if found is None:
        pytest.fail("no dbt executable beside the interpreter or on PATH")
    return found


def _dbt(command: str, warehouse: Path, work_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """One dbt command on `warehouse`, with target and logs in `work_dir` (not in the project)."""
    env = dict(os.environ, WAREHOUSE_PATH=str(warehouse))
    return subprocess.run(
        [
            _dbt_executable(),
            command,
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _seed_and_build(warehouse: Path, work_dir: Path) -> None:
    for command in ("seed", "build"):
        result = _dbt(command, warehouse, work_dir)
        assert result.returncode == 0, f"dbt {command} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"


def _empty_warehouse(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con)


def test_build_on_empty_warehouse(tmp_path):
    warehouse = tmp_path / "seller_health.duckdb"
    _empty_warehouse(warehouse)
    _seed_and_build(warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("select count(*) from marts.seller_metrics_daily").fetchone() == (0,)
        assert con.sql("select count(*) from marts.fct_orders").fetchone() == (0,)
        assert con.sql("select count(*) from marts.metric_targets").fetchone()[0] > 0


# ---------------------------------------------------------------------------------------------
# A small hand-made dataset. Three orders of seller A2SELLER1X in the US:
#   O3  MFN, bought 02-28 23:30 (in the file of 03-01: the first as-of day is 02-28, before the
#       first dt); must ship by 03-01 12:00, shipped 03-01 08:00 (on time), scanned, delivered;
#       an A-to-z claim filed 03-06 10:00, OPEN.
#   O1  MFN, bought 03-01 10:00 (Pending in the file of 03-01, Shipped in 03-02's); must ship
#       by 03-03 12:00, shipped 03-04 09:00 (late); a buyer message received 03-02 09:00 and
#       answered 03-03 09:00, exactly 24 h later (on time).
#   O2  AFN, bought 03-02 15:00; a 1-star feedback dated 03-05.
# The latest file is the claims file of 03-06: as-of days 02-28 .. 03-06.
# ---------------------------------------------------------------------------------------------


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _lineage(table: str, dt: date, line: int, part: str = "part-0000", loaded_at: str = "2024-03-07 00:00:00") -> dict:
    """The lineage columns of a raw row: line `line` of file `part` of `table`'s folder for `dt`."""
    return {
        "seller_id": SELLER,
        "marketplace_id": MARKETPLACE,
        "dt": dt,
        "_source_key": f"{table}/seller_id={SELLER}/marketplace_id={MARKETPLACE}/dt={dt}/{part}.tsv",
        "_etag": "etag",
        "_line_number": line,
        "_loaded_at": _ts(loaded_at),
    }


def _insert_rows(con, table: str, rows: list[dict]) -> None:
    for row in rows:
        columns = ", ".join(row)
        con.execute(f"insert into raw.{table} ({columns}) values ({', '.join('?' for _ in row)})", list(row.values()))


def _insert(con, table: str, rows: list[dict]) -> None:
    """`rows` (each with its dt) as lines 2, 3, ... of one file per dt."""
    _insert_rows(con, table, [_lineage(table, row.pop("dt"), line) | row for line, row in enumerate(rows, start=2)])


def _order(order_id: str, sku: str, channel: str, purchase: str, updated: str, status: str, dt: date) -> dict:
    return {
        "dt": dt,
        "amazon_order_id": order_id,
        "sku": sku,
        "fulfillment_channel": channel,
        "purchase_date": _ts(purchase),
        "last_updated_date": _ts(updated),
        "order_status": status,
        "sales_channel": "Amazon.com",
        "asin": "B000TEST",
        "item_status": "Unshipped",
        "quantity": 1,
    }


def _shipment(order_id: str, dt: date, ship_by: str, deliver_by: str, updated: str, **shipped: str) -> dict:
    return {
        "dt": dt,
        "amazon_order_id": order_id,
        "latest_ship_date": _ts(ship_by),
        "latest_delivery_date": _ts(deliver_by),
        "last_updated_at": _ts(updated),
        **{column: _ts(value) if column.endswith("_at") else value for column, value in shipped.items()},
    }


def _load_hand_made_dataset(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con)
        _insert(
            con,
            "orders",
            [
                _order("O3", "SKU-3", "Merchant", "2024-02-28 23:30", "2024-03-01 07:00", "Shipped", date(2024, 3, 1)),
                _order("O1", "SKU-1", "Merchant", "2024-03-01 10:00", "2024-03-01 10:00", "Pending", date(2024, 3, 1)),
                _order("O1", "SKU-1", "Merchant", "2024-03-01 10:00", "2024-03-02 08:00", "Shipped", date(2024, 3, 2)),
                _order("O2", "SKU-2", "Amazon", "2024-03-02 15:00", "2024-03-02 15:00", "Shipped", date(2024, 3, 2)),
            ],
        )
        _insert(
            con,
            "mfn_shipments",
            [
                _shipment(
                    "O3",
                    date(2024, 3, 1),
                    "2024-03-01 12:00",
                    "2024-03-05 12:00",
                    "2024-03-01 15:00",
                    shipped_at="2024-03-01 08:00",
                    carrier="UPS",
                    tracking_number="1Z3",
                    first_scan_at="2024-03-01 15:00",
                    delivered_at="2024-03-03 10:00",
                ),
                _shipment("O1", date(2024, 3, 1), "2024-03-03 12:00", "2024-03-08 12:00", "2024-03-01 10:00"),
                _shipment(
                    "O1",
                    date(2024, 3, 4),
                    "2024-03-03 12:00",
                    "2024-03-08 12:00",
                    "2024-03-04 12:00",
                    shipped_at="2024-03-04 09:00",
                    carrier="USPS",
                    tracking_number="94001",
                    first_scan_at="2024-03-04 12:00",
                ),
            ],
        )
        _insert(
            con,
            "buyer_messages",
            [
                {
                    "dt": date(2024, 3, 3),
                    "message_id": "MSG1",
                    "thread_id": "T1",
                    "amazon_order_id": "O1",
                    "received_at": _ts("2024-03-02 09:00"),
                    "responded_at": _ts("2024-03-03 09:00"),
                    "no_response_needed": "N",
                    "last_updated_at": _ts("2024-03-03 09:00"),
                }
            ],
        )
        _insert(
            con,
            "feedback",
            [
                {"dt": date(2024, 3, 5), "feedback_date": date(2024, 3, 5), "rating": 1, "amazon_order_id": "O2"},
            ],
        )
        _insert(
            con,
            "claims",
            [
                {
                    "dt": date(2024, 3, 6),
                    "claim_id": "CL1",
                    "amazon_order_id": "O3",
                    "filed_at": _ts("2024-03-06 10:00"),
                    "status": "OPEN",
                    "amount": 25.0,
                    "currency": "USD",
                    "last_updated_at": _ts("2024-03-06 10:00"),
                }
            ],
        )


@pytest.fixture(scope="module")
def hand_made_warehouse(tmp_path_factory) -> Path:
    work_dir = tmp_path_factory.mktemp("dbt_hand_made")
    warehouse = work_dir / "seller_health.duckdb"
    _load_hand_made_dataset(warehouse)
    _seed_and_build(warehouse, work_dir)
    return warehouse


def _metric(con, as_of: str, metric: str, channel: str, window: int) -> dict:
    row = con.execute(
        """
        select numerator, denominator, value, target, target_condition, status, window_start, window_end
        from marts.seller_metrics_daily
        where seller_id = ? and marketplace_id = ? and as_of_date = ? and metric = ?
            and fulfillment_channel = ? and window_days = ?
        """,
        [SELLER, MARKETPLACE, date.fromisoformat(as_of), metric, channel, window],
    ).fetchone()
    assert row is not None, (as_of, metric, channel, window)
    keys = ("numerator", "denominator", "value", "target", "target_condition", "status", "window_start", "window_end")
    return dict(zip(keys, row, strict=True))


def _counts(row: dict) -> tuple:
    """(numerator, denominator, value, status) of a metric row."""
    return row["numerator"], row["denominator"], row["value"], row["status"]


def test_as_of_days_run_from_first_purchase_to_latest_dt(hand_made_warehouse):
    with duckdb.connect(str(hand_made_warehouse), read_only=True) as con:
        first, last, days = con.sql(
            "select min(as_of_date), max(as_of_date), count(distinct as_of_date) from marts.seller_metrics_daily"
        ).fetchone()
        per_day = con.sql(
            """
            select as_of_date, count(*), count(distinct metric || fulfillment_channel || window_days)
            from marts.seller_metrics_daily group by as_of_date
            """
        ).fetchall()
        series = con.sql(
            "select distinct metric, fulfillment_channel, window_days from marts.seller_metrics_daily"
        ).fetchall()
    # O3 was bought on 02-28 (before the first dt, 03-01); the claims file of 03-06 is the latest.
    assert (first, last, days) == (date(2024, 2, 28), date(2024, 3, 6), 8)
    days_expected = [date(2024, 2, 28) + timedelta(days=n) for n in range(8)]
    assert sorted(per_day) == [(day, SERIES_PER_DAY, SERIES_PER_DAY) for day in days_expected]
    assert len(series) == SERIES_PER_DAY
    # ODR and its parts per MFN and AFN; shipping metrics and cancel rate MFN; the rest ALL.
    assert {(m, c) for m, c, _ in series if c == "AFN"} == {
        ("odr", "AFN"),
        ("odr_long", "AFN"),
        ("negative_feedback_rate", "AFN"),
        ("a_to_z_claim_rate", "AFN"),
        ("chargeback_rate", "AFN"),
    }
    assert sorted(w for m, _, w in series if m == "late_shipment_rate") == [10, 30]
    assert sorted(w for m, _, w in series if m == "avg_response_hours") == [7, 30, 90]


def test_hand_worked_metrics(hand_made_warehouse):
    with duckdb.connect(str(hand_made_warehouse), read_only=True) as con:
        # late_shipment_rate, 10 days. 03-02: only O3 has its ship-by day (03-01) in 02-22..03-02,
        # shipped on time: 0 / 1, GOOD. 03-03: O1's ship-by day (03-03) has come and O1 is not
        # shipped at the end of the day: 1 / 2 = 0.5, BAD (LESS_THAN 0.04). 03-04: O1 shipped
        # after its deadline, still late: 1 / 2.
        row = _metric(con, "2024-03-02", "late_shipment_rate", "MFN", 10)
        assert _counts(row) == (0, 1, 0.0, "GOOD")
        assert (row["window_start"], row["window_end"]) == (date(2024, 2, 22), date(2024, 3, 2))
        for day in ("2024-03-03", "2024-03-04"):
            row = _metric(con, day, "late_shipment_rate", "MFN", 10)
            assert _counts(row) == (1, 2, 0.5, "BAD")
            assert (row["target"], row["target_condition"]) == (0.04, "LESS_THAN")

        # response_within_24h_rate, 7 days: on 03-02 the message is 15 h old and unanswered:
        # pending, so no population: NO_DATA with the target still on the row. On 03-03 it is
        # answered after exactly 24 h: on time, 1 / 1, GOOD (AT_LEAST 0.90).
        row = _metric(con, "2024-03-02", "response_within_24h_rate", "ALL", 7)
        assert (_counts(row), row["target"]) == ((0, 0, None, "NO_DATA"), 0.9)
        row = _metric(con, "2024-03-03", "response_within_24h_rate", "ALL", 7)
        assert _counts(row) == (1, 1, 1.0, "GOOD")

        # avg_response_hours: 24 h; a mean has no numerator and no target.
        row = _metric(con, "2024-03-03", "avg_response_hours", "ALL", 30)
        assert _counts(row) == (None, 1, 24.0, "NO_TARGET")

        # perfect_order_percentage, 90 days. 02-28: O3 alone, perfect: 1 / 1. 03-01: O3 and O1,
        # both perfect: 2 / 2. 03-06: O1 is late and was contacted, O2 has a negative feedback,
        # O3 a claim filed that day: 0 / 3, BAD.
        assert _metric(con, "2024-02-28", "perfect_order_percentage", "ALL", 90)["value"] == 1.0
        assert _metric(con, "2024-03-01", "perfect_order_percentage", "ALL", 90)["denominator"] == 2
        row = _metric(con, "2024-03-06", "perfect_order_percentage", "ALL", 90)
        assert _counts(row) == (0, 3, 0.0, "BAD")

        # order_quality_score. 03-02: three orders, no event yet: 100, GOOD (AT_LEAST 95).
        # 03-05: O1 late shipment 0, O2 negative feedback -500, O3 100: -400 / 3. 03-06: O3's
        # claim adds -500: (0 - 500 - 500) / 3.
        row = _metric(con, "2024-03-02", "order_quality_score", "ALL", 365)
        assert _counts(row) == (None, 3, 100.0, "GOOD")
        assert _metric(con, "2024-03-05", "order_quality_score", "ALL", 365)["value"] == pytest.approx(-400 / 3)
        assert _metric(con, "2024-03-06", "order_quality_score", "ALL", 365)["value"] == pytest.approx(-1000 / 3)

        # cancel_rate: MFN orders bought 02-25..03-02 are O3 and O1, none cancelled: 0 / 2.
        row = _metric(con, "2024-03-02", "cancel_rate", "MFN", 7)
        assert _counts(row) == (0, 2, 0.0, "GOOD")

        # odr: on 03-06 the window ends 02-21, before any order: NO_DATA on both channels, with
        # the target. The AFN negative feedback rate has no target: NO_DATA as well.
        for channel in ("MFN", "AFN"):
            row = _metric(con, "2024-03-06", "odr", channel, 60)
            assert (_counts(row), row["target"]) == ((0, 0, None, "NO_DATA"), 0.01)
        row = _metric(con, "2024-03-06", "negative_feedback_rate", "AFN", 60)
        assert (row["value"], row["status"], row["target"]) == (None, "NO_DATA", None)


def test_fct_orders_flags_as_of_latest_day(hand_made_warehouse):
    with duckdb.connect(str(hand_made_warehouse), read_only=True) as con:
        rows = con.sql(
            """
            select amazon_order_id, fulfillment_channel, purchase_date, as_of_date, skus, carrier,
                is_late_shipment, has_valid_tracking, has_buyer_contact, has_negative_feedback,
                has_counted_claim, is_defect, is_perfect, order_quality_points
            from marts.fct_orders order by amazon_order_id
            """
        ).fetchall()
    as_of = date(2024, 3, 6)
    assert rows == [
        ("O1", "MFN", date(2024, 3, 1), as_of, "SKU-1", "USPS", True, True, True, False, False, False, False, 0),
        ("O2", "AFN", date(2024, 3, 2), as_of, "SKU-2", None, False, False, False, True, False, True, False, -500),
        ("O3", "MFN", date(2024, 2, 28), as_of, "SKU-3", "UPS", False, True, False, False, True, True, False, -500),
    ]


# ---------------------------------------------------------------------------------------------
# The ordering rule of docs/exports.md on the two largest staging models, built for real in full
# and then incrementally (the unit tests feed them rows as a CTE): each item below has two
# versions that differ in one rule only, and the one marked WIN must be kept.
#   I1  version instant first: 03-02 08:00 in dt 03-02 beats 03-01 09:00 in the later dt 03-05
#   I2  an empty version instant loses to any: 03-01 09:00 beats empty in the later dt 03-05
#   I3  same instant: the later dt wins (03-03 over 03-02)
#   I4  same instant and dt: the greater file key wins (part-0001 over part-0000)
#   I5  same instant, dt and file: the later line wins (line 5 over line 2)
# ---------------------------------------------------------------------------------------------


def _version_row(
    table: str, item: int, updated: str | None, dt: date, part: str, line: int, mark: str, **lineage: str
) -> dict:
    """A version of item I<item> of `table`: its version instant, and `mark` where the test reads it."""
    key = {"amazon_order_id": f"I{item}"} | ({"sku": f"SKU-{item}"} if table == "orders" else {})
    version_column, mark_column = (
        ("last_updated_date", "order_status") if table == "orders" else ("last_updated_at", "carrier")
    )
    return {
        **_lineage(table, dt, line, part, **lineage),
        **key,
        version_column: _ts(updated) if updated else None,
        mark_column: mark,
    }


def _rule_cases(table: str) -> list[dict]:
    d1, d2, d3, d5 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), date(2024, 3, 5)
    return [
        _version_row(table, 1, "2024-03-02 08:00", d2, "part-0000", 2, "WIN"),
        _version_row(table, 1, "2024-03-01 09:00", d5, "part-0000", 2, "LOSE"),
        _version_row(table, 2, "2024-03-01 09:00", d1, "part-0000", 3, "WIN"),
        _version_row(table, 2, None, d5, "part-0000", 3, "LOSE"),
        _version_row(table, 3, "2024-03-02 08:00", d3, "part-0000", 4, "WIN"),
        _version_row(table, 3, "2024-03-02 08:00", d2, "part-0000", 4, "LOSE"),
        _version_row(table, 4, "2024-03-02 08:00", d2, "part-0001", 6, "WIN"),
        _version_row(table, 4, "2024-03-02 08:00", d2, "part-0000", 6, "LOSE"),
        _version_row(table, 5, "2024-03-02 08:00", d2, "part-0002", 5, "WIN"),
        _version_row(table, 5, "2024-03-02 08:00", d2, "part-0002", 2, "LOSE"),
    ]


def _record_load(con, table: str, dt: date, rows: int, loaded_at: str) -> None:
    """The ledger's line for a file of `table` loaded at `loaded_at` (what incremental builds compare)."""
    con.execute(
        "insert into raw.ingested_files values (?, ?, ?, ?, 'k', 'e', 1, 'utf-8', 'LOADED', ?, ?, 0, null, ?)",
        [table, SELLER, MARKETPLACE, dt, rows, rows, _ts(loaded_at)],
    )


def _kept(con) -> dict[str, dict[str, str]]:
    return {
        "orders": dict(con.sql("select amazon_order_id, order_status from staging.stg_orders__order_items").fetchall()),
        "mfn_shipments": dict(
            con.sql("select amazon_order_id, carrier from staging.stg_mfn_shipments__shipments").fetchall()
        ),
    }


def test_latest_version_of_all_orders_and_shipments_on_a_full_and_a_nightly_build(tmp_path):
    warehouse = tmp_path / "seller_health.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_tables(con)
        for table in ("orders", "mfn_shipments"):
            _insert_rows(con, table, _rule_cases(table))
            _record_load(con, table, date(2024, 3, 5), 10, "2024-03-07 00:00:00")
    models = ["--select", "stg_orders__order_items", "stg_mfn_shipments__shipments"]
    result = _dbt("run", warehouse, tmp_path, *models)
    assert result.returncode == 0, result.stdout[-6000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = _kept(con)
    for table in ("orders", "mfn_shipments"):
        assert kept[table] == {f"I{n}": "WIN" for n in range(1, 6)}, table

    # A night loads a newer version of I3 (a later instant, in dt 03-06) and nothing else: the
    # incremental build replaces I3's row and leaves the other items as they were.
    with duckdb.connect(str(warehouse)) as con:
        for table in ("orders", "mfn_shipments"):
            night, loaded_at = date(2024, 3, 6), "2024-03-08 00:00:00"
            _insert_rows(
                con,
                table,
                [_version_row(table, 3, "2024-03-06 07:00", night, "part-0000", 2, "NIGHT", loaded_at=loaded_at)],
            )
            _record_load(con, table, night, 1, loaded_at)
    result = _dbt("run", warehouse, tmp_path, *models)
    assert result.returncode == 0, result.stdout[-6000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = _kept(con)
        # each row carries the newest load its build saw: the first build's rows keep 03-07
        built = {
            model: sorted(con.sql(f"select amazon_order_id, _loaded_through from staging.{model}").fetchall())
            for model in ("stg_orders__order_items", "stg_mfn_shipments__shipments")
        }
    for table in ("orders", "mfn_shipments"):
        assert kept[table] == {"I1": "WIN", "I2": "WIN", "I3": "NIGHT", "I4": "WIN", "I5": "WIN"}, table
    first, night = _ts("2024-03-07 00:00:00"), _ts("2024-03-08 00:00:00")
    expected = [("I1", first), ("I2", first), ("I3", night), ("I4", first), ("I5", first)]
    assert built == {"stg_orders__order_items": expected, "stg_mfn_shipments__shipments": expected}
