"""`feedback`: Amazon's Seller Feedback report, one row per feedback (SP-API flat file).

Key `amazon_order_id` (one feedback per order; a later row replaces an earlier one); no version
column. `Rater Email`, `Comments` and `Your Response` are not in the contract: the e-mail is buyer
data, and free text written by a buyer may hold names or phone numbers, so none of them is stored.
"""

from ._base import MARKETPLACE_DATE, ExportModel, Integer, Text, Timestamp, column


class Feedback(ExportModel):
    feedback_date: Timestamp = column(
        "Date", "Day the feedback was left, from the marketplace's own short date format", parse=MARKETPLACE_DATE
    )
    rating: Integer = column("Rating", "1 to 5; 1 and 2 are negative", ge=1, le=5)
    amazon_order_id: Text = column("Order ID", "The order rated", str_length={"min_value": 1})
    arrived_on_time: Text = column("Arrived On Time", "Yes / No / - (older layout)", required=False, nullable=True)
    item_as_described: Text = column("Item as Described", "Yes / No / - (older layout)", required=False, nullable=True)
    customer_service: Text = column("Customer Service", "Yes / No / - (older layout)", required=False, nullable=True)
    rater_role: Text = column("Rater Role", "Buyer (older layout)", required=False, nullable=True)
