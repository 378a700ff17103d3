"""Flattening Amazon's account health report (GET_V2_SELLER_PERFORMANCE_REPORT) into rows.

Real documents drift from the published schema (`prefulfillmentCancelRate` or
`preFulfillmentCancellationRate`, `ahrStatus` or `accountHealthRatingStatus`, extra keys), so every
key is read defensively: a known alias is mapped, a missing key becomes empty, an unknown metric is
kept under its own name (with a warning). Only a document without `performanceMetrics` is refused.

Each record says which entry it is (`amazon_metric`, the published key), what kind of entry
(`entry_kind`) and which keys its two counts came from (`population_key`, `event_key`), so the
warehouse can show Amazon's figures under Amazon's own names (docs/amazon-view.md).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# Drifted names of the same metric, mapped to the name the published schema uses.
_METRIC_ALIASES = {
    "preFulfillmentCancellationRate": "prefulfillmentCancelRate",
    "prefulfillmentCancellationRate": "prefulfillmentCancelRate",
}
_STATUS_KEYS = ("status", "ahrStatus", "accountHealthRatingStatus")
_SCORE_KEYS = ("ahrScore", "accountHealthRatingScore")
# The population count of a metric, by the names the schema gives it.
_ORDER_COUNT_KEYS = ("orderCount", "shipmentCount", "shipmentCountWithValidTracking", "totalUnitCount")
# The numerator count of a metric.
_DEFECT_COUNT_KEYS = (
    "orderWithDefects",
    "lateShipmentCount",
    "cancellationCount",
    "validTrackingCount",
    "onTimeDeliveryCount",
    "unitOnTimeDeliveryCount",
    "defectsCount",
    "invoiceDefect",
)
# The three parts of the order defect rate, each an object with its own `count`.
ODR_COMPONENTS = ("negativeFeedback", "claims", "chargebacks")

# Entry kinds (the `entry_kind` column).
ACCOUNT_STATUS = "account_status"
RATING = "account_health_rating"
RATE = "rate"
ODR_COMPONENT = "odr_component"
POLICY = "policy"
WARNING_STATE = "warning_state"
ENTRY_KINDS = (ACCOUNT_STATUS, RATING, RATE, ODR_COMPONENT, POLICY, WARNING_STATE)

# Published entries with a rate, and policy entries (a count of violations, target 0).
RATE_METRICS = (
    "orderDefectRate",
    "lateShipmentRate",
    "prefulfillmentCancelRate",
    "validTrackingRate",
    "onTimeDeliveryRate",
    "invoiceDefectRate",
    "unitOnTimeDeliveryRate",
)
POLICY_METRICS = (
    "listingPolicyViolations",
    "receivedIntellectualPropertyComplaints",
    "suspectedIntellectualPropertyViolations",
    "productSafetyCustomerComplaints",
    "productAuthenticityCustomerComplaints",
    "productConditionCustomerComplaints",
    "foodAndProductSafetyIssues",
    "restrictedProductPolicyViolations",
    "customerProductReviewsPolicyViolations",
    "otherPolicyViolations",
    "documentRequest",
    "documentRequests",
)
# Keys of a performanceMetrics entry that are not metrics, or that the warehouse does not keep:
# `lateShipmentRateList` repeats `lateShipmentRate` over other windows.
_NOT_METRICS = ("marketplaceId", "warningState", "warningStates", "lateShipmentRateList")


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _count(value: Any) -> Any:
    """A count is a number, or an object with a `count` (e.g. `orderWithDefects`)."""
    if isinstance(value, dict):
        return value.get("count")
    return value


def _first(obj: dict, keys: tuple[str, ...]) -> tuple[Any, str | None]:
    """The value of the first key present (counts unwrapped) and that key."""
    for k in keys:
        if obj.get(k) is not None:
            return _count(obj[k]), k
    return None, None


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _kind(name: str, body: dict) -> str:
    if name == "accountHealthRating":
        return RATING
    if name in POLICY_METRICS or ("defectsCount" in body and "rate" not in body):
        return POLICY
    return RATE


def _metric_record(name: str, body: dict, marketplace_id: Any, channel: Any = None) -> dict:
    window = body.get("reportingDateRange") or {}
    if not isinstance(window, dict):
        window = {}
    population, population_key = _first(body, _ORDER_COUNT_KEYS)
    events, event_key = _first(body, _DEFECT_COUNT_KEYS)
    status, _ = _first(body, _STATUS_KEYS)
    score, _ = _first(body, _SCORE_KEYS)
    return {
        "report_marketplace_id": marketplace_id,
        "metric": snake_case(name),
        "amazon_metric": name,
        "entry_kind": _kind(name, body),
        "fulfillment_channel": channel.upper() if isinstance(channel, str) else None,
        "reporting_date_from": window.get("reportingDateFrom"),
        "reporting_date_to": window.get("reportingDateTo"),
        "status": status,
        "rate": body.get("rate"),
        "order_count": population,
        "population_key": population_key,
        "defect_count": events,
        "event_key": event_key,
        "target_value": body.get("targetValue"),
        "target_condition": body.get("targetCondition"),
        "score": score,
    }


def _odr_records(body: dict, marketplace_id: Any, warnings: list[str]) -> list[dict]:
    """The order defect rate per channel (`afn`, `mfn` keys), and its three parts per channel."""
    records = []
    for channel, sub in body.items():
        if not isinstance(sub, dict):
            continue  # a stray scalar next to the two channels
        if channel.upper() not in ("AFN", "MFN"):
            warnings.append(f"orderDefectRate has an unknown channel `{channel}`: skipped")
            continue
        odr = _metric_record("orderDefectRate", sub, marketplace_id, channel)
        records.append(odr)
        for part in ODR_COMPONENTS:
            if not isinstance(sub.get(part), dict):
                continue
            records.append(
                {
                    **odr,
                    "metric": snake_case(part),
                    "amazon_metric": part,
                    "entry_kind": ODR_COMPONENT,
                    "status": sub[part].get("status"),
                    "rate": None,
                    "defect_count": sub[part].get("count"),
                    "event_key": f"{part}.count",
                    "target_value": None,
                    "target_condition": None,
                }
            )
    return records


def _warning_records(states: Any, marketplace_id: Any, warnings: list[str]) -> list[dict]:
    if not isinstance(states, list):
        warnings.append("warningState is not a list: skipped")
        return []
    records = []
    for state in states:
        if not isinstance(state, dict) or not isinstance(state.get("warningType"), str):
            warnings.append("a warningState item has no warningType: skipped")
            continue
        records.append(
            {
                "report_marketplace_id": marketplace_id,
                "metric": snake_case(state["warningType"]),
                "amazon_metric": state["warningType"],
                "entry_kind": WARNING_STATE,
                "status": state.get("status"),
            }
        )
    return records


def _check_range(record: dict, warnings: list[str]) -> None:
    first, last = _instant(record.get("reporting_date_from")), _instant(record.get("reporting_date_to"))
    if first is not None and last is not None and last < first:
        warnings.append(
            f"{record['amazon_metric']}: reportingDateTo {record['reporting_date_to']} is before "
            f"reportingDateFrom {record['reporting_date_from']} (kept as Amazon gave it)"
        )


def flatten_account_health(document: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per metric (per channel for the order defect rate and its parts), per warning
    state and per account status.

    Values stay as they are in the JSON (strings, numbers, None); the contract types and checks them.
    Returns the records and warnings about keys that were missing or not understood.
    """
    if not isinstance(document, dict) or not isinstance(document.get("performanceMetrics"), list):
        raise ValueError("no `performanceMetrics` list at the top level of the account health report")
    records: list[dict[str, Any]] = []
    warnings: list[str] = []
    for status in document.get("accountStatuses") or []:
        if isinstance(status, dict):
            records.append(
                {
                    "report_marketplace_id": status.get("marketplaceId"),
                    "metric": "account_status",
                    "amazon_metric": "accountStatus",
                    "entry_kind": ACCOUNT_STATUS,
                    "status": status.get("status"),
                }
            )
    for entry in document["performanceMetrics"]:
        if not isinstance(entry, dict):
            warnings.append("a performanceMetrics entry is not an object: skipped")
            continue
        marketplace_id = entry.get("marketplaceId")
        if marketplace_id is None:
            warnings.append("a performanceMetrics entry has no marketplaceId")
        for key, body in entry.items():
            name = _METRIC_ALIASES.get(key, key)
            if name in ("warningState", "warningStates"):
                records += _warning_records(body, marketplace_id, warnings)
                continue
            if name in _NOT_METRICS:
                continue
            if not isinstance(body, dict):
                warnings.append(f"performanceMetrics entry `{key}` is not an object: skipped")
                continue
            if name not in RATE_METRICS and name not in POLICY_METRICS and name != "accountHealthRating":
                warnings.append(f"unknown performanceMetrics entry `{key}`: kept under its own name")
            new = _odr_records(body, marketplace_id, warnings) if name == "orderDefectRate" else []
            if name != "orderDefectRate":
                new.append(_metric_record(name, body, marketplace_id))
            for record in new:
                if record["entry_kind"] != ODR_COMPONENT:
                    _check_range(record, warnings)
            records += new
    return records, warnings
