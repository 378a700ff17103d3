"""`chargebacks`: card chargebacks on orders. Key `chargeback_id`; version `last_updated_at`."""

import pandas as pd
from pandera.typing import Series

from ._base import ExportModel, column


class Chargebacks(ExportModel):
    chargeback_id: Series[str] = column("chargeback-id", "The chargeback's id", str_length={"min_value": 1})
    amazon_order_id: Series[str] = column("amazon-order-id", "The order charged back", str_length={"min_value": 1})
    filed_at: Series[pd.Timestamp] = column("filed-at", "When the chargeback was filed (UTC)")
    type: Series[str] = column(
        "type",
        "SERVICE (the buyer disputes the service) or FRAUD (unauthorised card use)",
        isin=["SERVICE", "FRAUD"],
    )
    status: Series[str] = column(
        "status", "OPEN, ACCEPTED, REPRESENTED, CLOSED", isin=["OPEN", "ACCEPTED", "REPRESENTED", "CLOSED"]
    )
    amount: Series[float] = column("amount", "Disputed amount", nullable=True)
    currency: Series[str] = column("currency", "ISO currency of the amount", nullable=True)
    last_updated_at: Series[pd.Timestamp] = column("last-updated-at", "When this version was written; the version")
