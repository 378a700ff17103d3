"""Bad and drifted account health documents: a clear message naming the file, nothing else lost."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipelines.lib.layout import build_key, parse_key
from pipelines.lib.parsing import FileRejected, parse_export_file
from pipelines.synthetic import generate_exports, missing_day
from tests.conftest import REAL_FIXTURES

US = "ATVPDKIKX0DER"
KEY = parse_key(build_key("", "account_health", "A2SELLER1X", US, date(2026, 3, 2), "report.json"))


def parse(document: dict):
    return parse_export_file(KEY, json.dumps(document).encode())


def rows(parsed) -> dict[tuple[str, str | None], dict]:
    frame = parsed.frame.astype(object).where(parsed.frame.notna(), None)
    return {(r["amazon_metric"], r["fulfillment_channel"]): r for r in frame.to_dict("records")}


def test_a_document_without_performance_metrics_is_rejected_naming_the_file():
    with pytest.raises(FileRejected, match="performanceMetrics") as caught:
        parse({"accountStatuses": [{"marketplaceId": US, "status": "NORMAL"}]})
    assert str(caught.value).startswith(KEY.key)


def test_unknown_entries_are_kept_under_their_own_name_with_a_warning():
    parsed = parse(
        {
            "performanceMetrics": [
                {
                    "marketplaceId": US,
                    "lateShipmentRate": {"orderCount": 10, "lateShipmentCount": 1, "rate": 0.1, "status": "BAD"},
                    "sellerFeedbackScore": {"rate": 0.97, "status": "GOOD"},
                    "lostInTransit": 3,
                }
            ]
        }
    )
    found = rows(parsed)
    assert set(found) == {("lateShipmentRate", None), ("sellerFeedbackScore", None)}
    assert found[("sellerFeedbackScore", None)]["rate"] == 0.97
    assert found[("lateShipmentRate", None)]["order_count"] == 10
    assert parsed.rows_rejected == 0
    assert any("sellerFeedbackScore" in w and "unknown" in w for w in parsed.warnings)
    assert any("lostInTransit" in w for w in parsed.warnings)


def test_drifted_keys_read_as_the_published_ones():
    parsed = parse(
        {
            "accountStatuses": [{"marketplaceId": US, "status": "NORMAL"}],
            "performanceMetrics": [
                {
                    "marketplaceId": US,
                    "preFulfillmentCancellationRate": {"orderCount": 200, "cancellationCount": 1, "status": "GOOD"},
                    "accountHealthRating": {"accountHealthRatingStatus": "GREAT", "ahrScore": 980},
                    "lateShipmentRateList": [{"orderCount": 5}],
                    "warningStates": [{"warningType": "ipComplaint", "status": "BAD"}],
                }
            ],
        }
    )
    found = rows(parsed)
    assert set(found) == {
        ("accountStatus", None),
        ("prefulfillmentCancelRate", None),
        ("accountHealthRating", None),
        ("ipComplaint", None),
    }
    cancel = found[("prefulfillmentCancelRate", None)]
    assert (cancel["metric"], cancel["population_key"], cancel["event_key"]) == (
        "prefulfillment_cancel_rate",
        "orderCount",
        "cancellationCount",
    )
    rating = found[("accountHealthRating", None)]
    assert (rating["entry_kind"], rating["status"], rating["score"]) == ("account_health_rating", "GREAT", 980)
    assert found[("ipComplaint", None)]["entry_kind"] == "warning_state"
    assert parsed.warnings == []  # drift is expected: read, not reported


def test_a_range_ending_before_it_starts_is_kept_with_a_warning_naming_the_entry():
    window = {"reportingDateFrom": "2026-02-10T00:00Z", "reportingDateTo": "2026-02-08T23:59Z"}
    parsed = parse(
        {
            "performanceMetrics": [
                {
                    "marketplaceId": US,
                    "validTrackingRate": {"reportingDateRange": window, "shipmentCount": 4, "validTrackingCount": 4},
                    "onTimeDeliveryRate": {"shipmentCountWithValidTracking": 4, "onTimeDeliveryCount": 3},
                }
            ]
        }
    )
    assert len(parsed.frame) == 2 and parsed.rows_rejected == 0
    (warning,) = parsed.warnings
    assert "validTrackingRate" in warning and "2026-02-08T23:59Z" in warning and "2026-02-10T00:00Z" in warning


def test_the_order_defect_rate_gives_a_row_per_channel_and_part():
    body = json.loads(
        (REAL_FIXTURES / "amazon_official_examples" / "GET_V2_SELLER_PERFORMANCE_REPORT.example.json").read_text()
    )
    found = rows(parse_export_file(KEY, json.dumps(body).encode()))
    # The afn key's body says fulfillmentType "mfn": the channel comes from the key.
    assert found[("orderDefectRate", "AFN")]["defect_count"] == 1078
    for channel in ("AFN", "MFN"):
        parts = {p: found[(p, channel)] for p in ("negativeFeedback", "claims", "chargebacks")}
        assert {p: r["defect_count"] for p, r in parts.items()} == {
            "negativeFeedback": 628,
            "claims": 442,
            "chargebacks": 15,
        }
        assert {r["order_count"] for r in parts.values()} == {539000}
        assert {r["event_key"] for r in parts.values()} == {f"{p}.count" for p in parts}


def test_the_generator_leaves_out_one_population_export_day_only_when_asked():
    start, end = date(2026, 1, 1), date(2026, 1, 28)
    gap = missing_day(start, end, 1, 0)
    assert gap == date(2026, 1, 18)

    def keys(missing: bool) -> set[str]:
        files = generate_exports(
            start, end, sellers=2, orders_per_day=3, marketplaces=(US,), missing_export_day=missing
        )
        return {f.key for f in files}

    left_out = keys(False) - keys(True)
    assert {k.split("/")[0] for k in left_out} == {"orders", "mfn_shipments"}
    assert all("seller_id=A2SELLER2X/" in k and "dt=2026-01-18/" in k for k in left_out)
    assert keys(True) <= keys(False)
