"""`return_requests`: seller-fulfilled return requests. Key `rma_id`; version `last_updated_at`."""

from ._base import YES_NO, Decimal, ExportModel, Text, Timestamp, column


class ReturnRequests(ExportModel):
    rma_id: Text = column("rma-id", "Return authorisation id", str_length={"min_value": 1})
    amazon_order_id: Text = column("amazon-order-id", "The order returned", str_length={"min_value": 1})
    requested_at: Timestamp = column("requested-at", "The buyer's request (UTC)")
    in_policy: Text = column("in-policy", "Y if within the seller's return policy", isin=YES_NO)
    responded_at: Timestamp = column("responded-at", "The seller's first decision; empty while pending", nullable=True)
    response: Text = column(
        "response",
        "AUTHORIZED, REJECTED, CLOSED; empty while pending",
        nullable=True,
        isin=["AUTHORIZED", "REJECTED", "CLOSED"],
    )
    refunded_at: Timestamp = column("refunded-at", "The refund; empty if none", nullable=True)
    refunded_amount: Decimal = column("refunded-amount", "Amount refunded", nullable=True)
    currency: Text = column("currency", "ISO currency of the refund", nullable=True)
    negative_return_feedback: Text = column(
        "negative-return-feedback", "Y if the buyer said the return was not resolved", nullable=True, isin=YES_NO
    )
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
