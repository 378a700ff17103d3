"""`claims`: A-to-z Guarantee claims. Key `claim_id`; version `last_updated_at`."""

import pandas as pd
from pandera.typing import Series

from ._base import ExportModel, column


class Claims(ExportModel):
    claim_id: Series[str] = column("claim-id", "Amazon's claim id", str_length={"min_value": 1})
    amazon_order_id: Series[str] = column("amazon-order-id", "The order claimed on", str_length={"min_value": 1})
    filed_at: Series[pd.Timestamp] = column("filed-at", "When the buyer filed the claim (UTC)")
    status: Series[str] = column(
        "status",
        "OPEN, GRANTED (includes claims the seller refunded), DENIED, WITHDRAWN",
        isin=["OPEN", "GRANTED", "DENIED", "WITHDRAWN"],
    )
    amount: Series[float] = column("amount", "Claimed amount", nullable=True)
    currency: Series[str] = column("currency", "ISO currency of the amount", nullable=True)
    last_updated_at: Series[pd.Timestamp] = column("last-updated-at", "When this version was written; the version")
