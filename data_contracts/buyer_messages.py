"""`buyer_messages`: buyer-to-seller messages from the helpdesk. Key `message_id`; version `last_updated_at`.

Message text is not part of the export, so no buyer writing reaches the warehouse.
"""

import pandas as pd
from pandera.typing import Series

from ._base import YES_NO, ExportModel, column


class BuyerMessages(ExportModel):
    message_id: Series[str] = column("message-id", "The message's id", str_length={"min_value": 1})
    thread_id: Series[str] = column("thread-id", "The conversation", str_length={"min_value": 1})
    amazon_order_id: Series[str] = column(
        "amazon-order-id", "The order; empty for questions asked before buying", nullable=True
    )
    received_at: Series[pd.Timestamp] = column("received-at", "When the buyer's message arrived (UTC)")
    responded_at: Series[pd.Timestamp] = column(
        "responded-at", "The seller's first reply after it; empty while unanswered", nullable=True
    )
    no_response_needed: Series[str] = column(
        "no-response-needed", "Y if the seller marked it so", nullable=True, isin=YES_NO
    )
    last_updated_at: Series[pd.Timestamp] = column("last-updated-at", "When this version was written; the version")
