"""`feedback`: Amazon's Seller Feedback report, one row per feedback (SP-API flat file).

Key `amazon_order_id` (one feedback per order; a later row replaces an earlier one); no version
column. `Rater Email`, `Comments` and `Your Response` are not in the contract: the e-mail is buyer
data, and free text written by a buyer may hold names or phone numbers, so none of them is stored.
"""

import pandas as pd
from pandera.typing import Series

from ._base import MARKETPLACE_DATE, ExportModel, column


class Feedback(ExportModel):
    feedback_date: Series[pd.Timestamp] = column(
        "Date", "Day the feedback was left, from the marketplace's own short date format", parse=MARKETPLACE_DATE
    )
    rating: Series[pd.Int64Dtype] = column("Rating", "1 to 5; 1 and 2 are negative", ge=1, le=5)
    amazon_order_id: Series[str] = column("Order ID", "The order rated", str_length={"min_value": 1})
    arrived_on_time: Series[str] = column(
        "Arrived On Time", "Yes / No / - (older layout)", required=False, nullable=True
    )
    item_as_described: Series[str] = column(
        "Item as Described", "Yes / No / - (older layout)", required=False, nullable=True
    )
    customer_service: Series[str] = column(
        "Customer Service", "Yes / No / - (older layout)", required=False, nullable=True
    )
    rater_role: Series[str] = column("Rater Role", "Buyer (older layout)", required=False, nullable=True)
