"""Amazon's own view end to end: generated exports through the real S3 endpoint (`moto_server`) and
`sellerhealth run` into `marts.amazon_account_health` and `marts.metric_reconciliation`; the real
example report into the mart; a warehouse built before alerts had a `source` upgraded in place.

Expected values come from the generated JSON documents themselves and from the rules of
docs/amazon-view.md, not from the models' output.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.layout import parse_key
from pipelines.synthetic import generate_exports, missing_day
from tests.conftest import REAL_FIXTURES
from tests.integration.test_end_to_end import BIN, _cli

START, END = date(2026, 1, 1), date(2026, 1, 30)
SELLERS, ORDERS_PER_DAY, SEED = 2, 20, 11
US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
ODR_PARTS = ("negativeFeedback", "claims", "chargebacks")
NOT_ENTRIES = ("marketplaceId", "warningState", "lateShipmentRateList")


@pytest.fixture(scope="module")
def documents():
    """(seller, marketplace, dt) -> the generated account_health document."""
    out = {}
    files = generate_exports(
        START, END, sellers=SELLERS, orders_per_day=ORDERS_PER_DAY, seed=SEED, missing_export_day=True
    )
    for f in files:
        key = parse_key(f.key)
        if key.export == "account_health":
            out[(key.seller_id, key.marketplace_id, key.dt)] = json.loads(f.body)
    return out


@pytest.fixture(scope="module")
def warehouse(s3_endpoint, tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("SELLER_EXPORTS_BUCKET", "WAREHOUSE_PATH", "SELLER_EXPORTS_PREFIX")}
    path = tmp_path_factory.mktemp("amazon_view") / "seller_health.duckdb"
    os.environ.update(SELLER_EXPORTS_BUCKET="sellerhealth-amazon-view", WAREHOUSE_PATH=str(path))
    os.environ.pop("SELLER_EXPORTS_PREFIX", None)
    try:
        args = ["--start", START.isoformat(), "--end", END.isoformat()]
        gen = _cli(
            "generate", *args, "--sellers", str(SELLERS), "--orders-per-day", str(ORDERS_PER_DAY),
            "--seed", str(SEED), "--create-bucket", "--missing-export-day",
        )  # fmt: skip
        assert gen.returncode == 0, gen.stderr
        run = _cli("run", *args)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
        yield path
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def query(path: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def expected_entries(doc: dict, marketplace: str) -> set[tuple[str, str]]:
    """(amazon_metric, channel) of every entry of the document about its own marketplace."""
    out = {("accountStatus", "ALL") for s in doc["accountStatuses"] if s["marketplaceId"] == marketplace}
    for entry in doc["performanceMetrics"]:
        if entry["marketplaceId"] != marketplace:
            continue
        for name, body in entry.items():
            if name in NOT_ENTRIES:
                continue
            name = "prefulfillmentCancelRate" if name == "preFulfillmentCancellationRate" else name
            if name == "orderDefectRate":
                for channel in body:
                    out |= {(part, channel.upper()) for part in ("orderDefectRate", *ODR_PARTS)}
            else:
                out.add((name, "ALL"))
        out |= {(w["warningType"], "ALL") for w in entry.get("warningState", [])}
    return out


def test_every_snapshot_entry_is_a_row_with_amazons_figures(documents, warehouse):
    assert len(documents) == 2 * 2 * 4  # sellers x marketplaces x Mondays (Jan 5, 12, 19, 26)
    for (seller, marketplace, dt), doc in documents.items():
        rows = query(
            warehouse,
            "select amazon_metric, fulfillment_channel, status, rate, population_count, event_count, "
            "reporting_date_from, reporting_date_to, account_status, ahr_status "
            "from marts.amazon_account_health where seller_id = ? and marketplace_id = ? and snapshot_date = ?",
            [seller, marketplace, dt],
        )
        assert {(r[0], r[1]) for r in rows} == expected_entries(doc, marketplace), (seller, marketplace, dt)
        (metrics,) = doc["performanceMetrics"]
        ahr = metrics["accountHealthRating"]
        by_entry = {(r[0], r[1]): r for r in rows}
        for row in rows:
            assert row[8] == doc["accountStatuses"][0]["status"]
            assert row[9] == ahr.get("ahrStatus", ahr.get("accountHealthRatingStatus"))
        mfn = metrics["orderDefectRate"]["mfn"]
        odr = by_entry[("orderDefectRate", "MFN")]
        assert odr[2:6] == (mfn["status"], mfn.get("rate"), mfn["orderCount"], mfn["orderWithDefects"]["count"])
        assert odr[6].isoformat() == mfn["reportingDateRange"]["reportingDateFrom"][:10]
        assert by_entry[("claims", "MFN")][4:6] == (mfn["orderCount"], mfn["claims"]["count"])


def test_reconciliation_counts_the_metric_models_populations(warehouse):
    """Where Amazon's range is exactly a metric's window as of the day before the snapshot, the
    reconciliation's population and events are those of marts.seller_metrics_daily on that day."""
    rows = query(
        warehouse,
        """
        select r.metric, r.fulfillment_channel, r.denominator, r.numerator, m.denominator, m.numerator::bigint
        from marts.metric_reconciliation as r
        join marts.seller_metrics_daily as m
            on m.seller_id = r.seller_id and m.marketplace_id = r.marketplace_id
            and m.metric = r.metric and m.fulfillment_channel = r.fulfillment_channel
            and m.as_of_date = r.snapshot_date - 1
            and m.window_start = r.reporting_date_from and m.window_end = r.reporting_date_to
        """,
    )
    compared = {metric for metric, *_ in rows}
    assert {"odr", "negative_feedback_rate", "a_to_z_claim_rate", "cancel_rate", "late_shipment_rate"} <= compared
    assert sum(d for _, _, d, *_ in rows) > 1000
    for metric, channel, denominator, numerator, metric_denominator, metric_numerator in rows:
        assert (denominator, numerator) == (metric_denominator, metric_numerator), (metric, channel)


def test_coverage_and_agreement_follow_the_loaded_days(warehouse):
    missing = missing_day(START, END, 1, 0)
    assert missing == date(2026, 1, 20)
    rows = query(
        warehouse,
        "select seller_id, marketplace_id, snapshot_date, metric, reporting_date_from, reporting_date_to, "
        "coverage, agrees, amazon_denominator, denominator, amazon_numerator, numerator "
        "from marts.metric_reconciliation",
    )
    assert len(rows) == 2 * 2 * 4 * 12  # 8 ODR rows (4 per channel) + 4 MFN rates, per snapshot
    for seller, marketplace, snapshot, metric, first, last, coverage, agrees, *counts in rows:
        lost = (seller, marketplace) == ("A2SELLER2X", US) and first <= missing <= last
        where = (seller, marketplace, snapshot, metric)
        if last < START:  # a range wholly before the first generated day: no file at all
            assert coverage == "NONE", where
        elif first < START or lost:
            assert coverage == "PARTIAL", where
        else:
            assert coverage == "COMPLETE", where
        amazon_denominator, denominator, amazon_numerator, numerator = counts
        if metric == "cancel_rate" and coverage == "COMPLETE":
            # The seller-cancelled share of MFN orders of Amazon's week: every order is in the exports.
            assert (denominator, numerator) == (amazon_denominator, amazon_numerator), where
            assert agrees
        if metric == "cancel_rate" and lost:
            # Orders whose only version was in the missing file are in Amazon's population, not in ours.
            assert denominator < amazon_denominator, where


# --- the real example ------------------------------------------------------------------------------


def test_the_real_example_loads_into_the_mart_with_every_entry(bucket, warehouse_path, tmp_path):
    from pipelines.defs.ingest.loader import ingest_export
    from pipelines.resources import S3Exports, Warehouse

    body = (REAL_FIXTURES / "amazon_official_examples" / "GET_V2_SELLER_PERFORMANCE_REPORT.example.json").read_bytes()
    key = bucket.put(f"account_health/seller_id=A2SELLER1X/marketplace_id={US}/dt=2020-11-20/report.json", body)
    with Warehouse().connect() as con:
        summary = ingest_export("account_health", date(2020, 11, 20), date(2020, 11, 20), S3Exports(), con)
    assert (summary.files_rejected, summary.rows_rejected) == (0, 0)
    # documentRequest's range ends (11-19) before it starts (11-21): kept as given, with a warning naming the file.
    (warning,) = summary.problems
    assert warning.startswith(key) and "documentRequest" in warning and "before" in warning
    env = dict(os.environ, WAREHOUSE_PATH=str(warehouse_path))
    project = Path(__file__).resolve().parents[2] / "dbt_project"
    done = subprocess.run(
        [str(BIN / "dbt"), "run", "--select", "+amazon_account_health", "--project-dir", str(project),
         "--profiles-dir", str(project), "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    rows = query(
        warehouse_path,
        "select amazon_metric, fulfillment_channel, entry_kind, status, rate, population_count, event_count, "
        "reporting_date_from, reporting_date_to, account_status, ahr_status, target_value "
        "from marts.amazon_account_health",
    )
    by_entry = {(r[0], r[1]): r for r in rows}
    # 15 entries of the US marketplace, the order defect rate and its 3 parts for afn and mfn (8),
    # one warning state and the US account status (the two other marketplaces' statuses are left out).
    assert len(rows) == len(by_entry) == 25
    assert {r[9] for r in rows} == {"AT_RISK"} and {r[10] for r in rows} == {"WARNED"}
    assert by_entry[("lateShipmentRate", "ALL")][3:9] == (
        "GOOD", 0.03203973037, 870669, 27896, date(2020, 10, 21), date(2020, 11, 19),
    )  # fmt: skip
    assert by_entry[("onTimeDeliveryRate", "ALL")][5:7] == (808046, 847987)
    assert by_entry[("unitOnTimeDeliveryRate", "ALL")][5:7] == (165, 146)
    assert by_entry[("chargebacks", "AFN")][2:7] == ("odr_component", "NONE", None, 539000, 15)
    assert by_entry[("documentRequest", "ALL")][7:9] == (date(2020, 11, 21), date(2020, 11, 19))
    policies = {r[0]: r[6] for r in rows if r[2] == "policy"}
    assert policies == {
        "productSafetyCustomerComplaints": 165,
        "receivedIntellectualPropertyComplaints": 75,
        "listingPolicyViolations": 86,
        "foodAndProductSafetyIssues": 37,
        "productAuthenticityCustomerComplaints": 212,
        "documentRequest": 8,
        "productConditionCustomerComplaints": 337,
        "otherPolicyViolations": 86,
    }
    assert by_entry[("spammingSellerMessaging", "ALL")][2:4] == ("warning_state", "BAD")
    assert by_entry[("invoiceDefectRate", "ALL")][4:7] == (0.03499611, 9001, 315)
