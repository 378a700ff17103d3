"""`mfn_shipments`: one row per seller-fulfilled order, its ship-by promise and its shipment.

Key `amazon_order_id`; version `last_updated_at`. An order appears again on each day it changes
(unshipped, shipped, scanned, delivered).
"""

from ._base import ExportModel, Text, Timestamp, column


class MfnShipments(ExportModel):
    amazon_order_id: Text = column("amazon-order-id", "Amazon's order id", str_length={"min_value": 1})
    latest_ship_date: Timestamp = column("latest-ship-date", "Ship-by deadline promised to the buyer (UTC)")
    latest_delivery_date: Timestamp = column(
        "latest-delivery-date", "Deliver-by date promised to the buyer (UTC)", nullable=True
    )
    shipped_at: Timestamp = column("shipped-at", "Ship confirmation; empty while unshipped", nullable=True)
    carrier: Text = column("carrier", "UPS, USPS, DHL, ...", nullable=True)
    tracking_number: Text = column("tracking-number", "Carrier tracking number", nullable=True)
    first_scan_at: Timestamp = column("first-scan-at", "Carrier's first scan; empty until scanned", nullable=True)
    delivered_at: Timestamp = column("delivered-at", "Delivery; empty until delivered", nullable=True)
    last_updated_at: Timestamp = column("last-updated-at", "When this version was written; the version")
