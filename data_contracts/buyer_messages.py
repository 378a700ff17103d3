"""`buyer_messages`: buyer-to-seller messages from the helpdesk. Key `message_id`; version `last_updated_at`.

Message text is not part of the export, so no buyer writing reaches the warehouse.
"""

from ._base import YES_NO, ExportModel, Text, Timestamp, column


class BuyerMessages(ExportModel):
    message_id: Text = column("message-id", "The message's id", str_length={"min_value": 1})
    thread_id: Text = column("thread-id", "The conversation", str_length={"min_value": 1})
    amazon_order_id: Text = column(
        "amazon-order-id", "The order; empty for questions asked before buying", nullable=True
    )
    received_at: Timestamp = column("received-at", "When the buyer's message arrived (UTC)")
    responded_at: Timestamp = column(
        "responded-at", "The seller's first reply after it; empty while unanswered", nullable=True
    )
    no_response_needed: Text = column("no-response-needed", "Y if the seller marked it so", nullable=True, isin=YES_NO)
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
