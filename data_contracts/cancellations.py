"""`cancellations`: one row per cancelled order. Key `amazon_order_id`; version `last_updated_at`."""

from ._base import ExportModel, Text, Timestamp, column


class Cancellations(ExportModel):
    amazon_order_id: Text = column("amazon-order-id", "Amazon's order id", str_length={"min_value": 1})
    cancelled_at: Timestamp = column("cancelled-at", "When the order was cancelled (UTC)")
    cancelled_by: Text = column(
        "cancelled-by",
        "BUYER, SELLER or AMAZON (Amazon cancels orders not confirmed in time)",
        isin=["BUYER", "SELLER", "AMAZON"],
    )
    reason: Text = column("reason", "Free text from the seller's system", nullable=True)
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
