"""`account_health`: Amazon's account health report (GET_V2_SELLER_PERFORMANCE_REPORT), JSON.

One JSON document per file. `pipelines.lib.account_health` flattens it into one row per metric
(and per fulfilment channel for the order defect rate and its three parts, per marketplace for
account statuses, per warning state), reading drifted key names defensively; this contract checks
the flattened rows. docs/amazon-view.md describes what the warehouse makes of them.
"""

from ._base import Decimal, ExportModel, Text, Timestamp, column


class AccountHealth(ExportModel):
    report_marketplace_id: Text = column(
        "marketplaceId",
        "Marketplace the report's entry is about (the key's marketplace is the file's)",
        nullable=True,
    )
    metric: Text = column("metric", "Metric in snake case, e.g. order_defect_rate, late_shipment_rate, account_status")
    amazon_metric: Text = column(
        "metric key",
        "Amazon's key of the entry as published (drifted names mapped), e.g. orderDefectRate, claims, "
        "accountStatus, or the warningType of a warning state",
        required=False,
        nullable=True,
    )
    entry_kind: Text = column(
        "entry kind",
        "account_status, account_health_rating, rate, odr_component, policy or warning_state",
        required=False,
        nullable=True,
        isin=["account_status", "account_health_rating", "rate", "odr_component", "policy", "warning_state"],
    )
    fulfillment_channel: Text = column(
        "fulfillmentType", "AFN or MFN for the order defect rate, else empty", nullable=True, isin=["AFN", "MFN"]
    )
    reporting_date_from: Timestamp = column("reportingDateFrom", "Window start (UTC)", nullable=True)
    reporting_date_to: Timestamp = column("reportingDateTo", "Window end (UTC)", nullable=True)
    status: Text = column("status", "GOOD, BAD, NONE, AT_RISK, ... as Amazon says", nullable=True)
    rate: Decimal = column("rate", "The rate, a fraction", nullable=True, ge=0, le=1)
    order_count: Decimal = column("orderCount", "Population size Amazon used", nullable=True, ge=0)
    population_key: Text = column(
        "population key",
        "The report's key order_count came from (orderCount, shipmentCount, ...)",
        required=False,
        nullable=True,
    )
    defect_count: Decimal = column("count", "Defects, late shipments, cancellations, ...", nullable=True, ge=0)
    event_key: Text = column(
        "event key",
        "The report's key defect_count came from (lateShipmentCount, claims.count, ...)",
        required=False,
        nullable=True,
    )
    target_value: Decimal = column("targetValue", "Amazon's target", nullable=True)
    target_condition: Text = column("targetCondition", "LESS_THAN, GREATER_THAN, EQUALS, ...", nullable=True)
    score: Decimal = column("ahrScore", "Account health rating score", nullable=True)
