"""`claims`: A-to-z Guarantee claims. Key `claim_id`; version `last_updated_at`."""

from ._base import Decimal, ExportModel, Text, Timestamp, column


class Claims(ExportModel):
    claim_id: Text = column("claim-id", "Amazon's claim id", str_length={"min_value": 1})
    amazon_order_id: Text = column("amazon-order-id", "The order claimed on", str_length={"min_value": 1})
    filed_at: Timestamp = column("filed-at", "When the buyer filed the claim (UTC)")
    status: Text = column(
        "status",
        "OPEN, GRANTED (includes claims the seller refunded), DENIED, WITHDRAWN",
        isin=["OPEN", "GRANTED", "DENIED", "WITHDRAWN"],
    )
    amount: Decimal = column("amount", "Claimed amount", nullable=True)
    currency: Text = column("currency", "ISO currency of the amount", nullable=True)
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
