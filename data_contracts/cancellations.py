"""`cancellations`: one row per cancelled order. Key `amazon_order_id`; version `last_updated_at`."""

import pandas as pd
from pandera.typing import Series

from ._base import ExportModel, column


class Cancellations(ExportModel):
    amazon_order_id: Series[str] = column("amazon-order-id", "Amazon's order id", str_length={"min_value": 1})
    cancelled_at: Series[pd.Timestamp] = column("cancelled-at", "When the order was cancelled (UTC)")
    cancelled_by: Series[str] = column(
        "cancelled-by",
        "BUYER, SELLER or AMAZON (Amazon cancels orders not confirmed in time)",
        isin=["BUYER", "SELLER", "AMAZON"],
    )
    reason: Series[str] = column("reason", "Free text from the seller's system", nullable=True)
    last_updated_at: Series[pd.Timestamp] = column("last-updated-at", "When this version was written; the version")
