"""Flattening Amazon's account health report (GET_V2_SELLER_PERFORMANCE_REPORT) into rows.

Real documents drift from the published schema (`prefulfillmentCancelRate` or
`preFulfillmentCancellationRate`, `ahrStatus` or `accountHealthRatingStatus`, extra keys), so every
key is read defensively: a known alias is mapped, a missing key becomes empty, an unknown metric is
kept under its own name. Only a document without `performanceMetrics` is refused.
"""

from __future__ import annotations

import re
from typing import Any

# Drifted names of the same metric, mapped to the name the published schema uses.
_METRIC_ALIASES = {
    "preFulfillmentCancellationRate": "prefulfillmentCancelRate",
    "prefulfillmentCancellationRate": "prefulfillmentCancelRate",
}
_STATUS_KEYS = ("status", "ahrStatus", "accountHealthRatingStatus")
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


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _count(value: Any) -> Any:
    """A count is a number, or an object with a `count` (e.g. `orderWithDefects`)."""
    if isinstance(value, dict):
        return value.get("count")
    return value


def _first(obj: dict, keys: tuple[str, ...]) -> Any:
    for k in keys:
        if obj.get(k) is not None:
            return _count(obj[k])
    return None


def _metric_record(name: str, body: dict, marketplace_id: Any, channel: Any = None) -> dict:
    window = body.get("reportingDateRange") or {}
    return {
        "report_marketplace_id": marketplace_id,
        "metric": snake_case(_METRIC_ALIASES.get(name, name)),
        "fulfillment_channel": channel.upper() if isinstance(channel, str) else None,
        "reporting_date_from": window.get("reportingDateFrom"),
        "reporting_date_to": window.get("reportingDateTo"),
        "status": _first(body, _STATUS_KEYS),
        "rate": body.get("rate"),
        "order_count": _first(body, _ORDER_COUNT_KEYS),
        "defect_count": _first(body, _DEFECT_COUNT_KEYS),
        "target_value": body.get("targetValue"),
        "target_condition": body.get("targetCondition"),
        "score": body.get("ahrScore", body.get("accountHealthRatingScore")),
    }


def flatten_account_health(document: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """One record per metric (per channel for the order defect rate) and per account status.

    Values stay as they are in the JSON (strings, numbers, None); the contract types and checks them.
    Returns the records and warnings about keys that were missing.
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
        for name, body in entry.items():
            if not isinstance(body, dict):
                continue  # marketplaceId, warningState lists, lateShipmentRateList ...
            if name == "orderDefectRate":
                for channel, sub in body.items():
                    if isinstance(sub, dict):
                        records.append(_metric_record(name, sub, marketplace_id, channel))
            else:
                records.append(_metric_record(name, body, marketplace_id))
    return records, warnings
