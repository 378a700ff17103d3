"""`chargebacks`: card chargebacks on orders. Key `chargeback_id`; version `last_updated_at`."""

from ._base import Decimal, ExportModel, Text, Timestamp, column


class Chargebacks(ExportModel):
    chargeback_id: Text = column("chargeback-id", "The chargeback's id", str_length={"min_value": 1})
    amazon_order_id: Text = column("amazon-order-id", "The order charged back", str_length={"min_value": 1})
    filed_at: Timestamp = column("filed-at", "When the chargeback was filed (UTC)")
    type: Text = column(
        "type",
        "SERVICE (the buyer disputes the service) or FRAUD (unauthorised card use)",
        isin=["SERVICE", "FRAUD"],
    )
    status: Text = column(
        "status", "OPEN, ACCEPTED, REPRESENTED, CLOSED", isin=["OPEN", "ACCEPTED", "REPRESENTED", "CLOSED"]
    )
    amount: Decimal = column("amount", "Disputed amount", nullable=True)
    currency: Text = column("currency", "ISO currency of the amount", nullable=True)
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
