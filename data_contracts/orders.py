"""`orders`: Amazon's All Orders report by last update, one row per order item (SP-API flat file).

Key (`amazon_order_id`, `sku`); version `last_updated_date`. `order_status` and `item_status` are
open lists: values Amazon adds later load as they are. Buyer address columns (`ship-city`,
`ship-state`, `ship-postal-code`), `buyer-*`, `recipient-*` and `url` are not in the contract and
are dropped on read; `ship-country` is kept for analysis by country.
"""

import pandas as pd
from pandera.typing import Series

from ._base import ExportModel, column


class Orders(ExportModel):
    amazon_order_id: Series[str] = column("amazon-order-id", "Amazon's order id", str_length={"min_value": 1})
    merchant_order_id: Series[str] = column(
        "merchant-order-id", "The seller's own order id", required=False, nullable=True
    )
    purchase_date: Series[pd.Timestamp] = column("purchase-date", "When the buyer placed the order (UTC)")
    last_updated_date: Series[pd.Timestamp] = column(
        "last-updated-date", "When this version of the item was written (UTC); the version"
    )
    order_status: Series[str] = column(
        "order-status", "Pending, Unshipped, PartiallyShipped, Shipped, Cancelled, Unfulfillable, or newer"
    )
    fulfillment_channel: Series[str] = column("fulfillment-channel", "`Amazon` (FBA, AFN) or `Merchant` (MFN)")
    sales_channel: Series[str] = column("sales-channel", "e.g. Amazon.com", nullable=True)
    order_channel: Series[str] = column("order-channel", "Order channel", required=False, nullable=True)
    ship_service_level: Series[str] = column(
        "ship-service-level", "Standard, Expedited, ...", required=False, nullable=True
    )
    product_name: Series[str] = column("product-name", "Listing title", required=False, nullable=True)
    sku: Series[str] = column("sku", "The seller's SKU", str_length={"min_value": 1})
    asin: Series[str] = column("asin", "Amazon's product id", nullable=True)
    item_status: Series[str] = column("item-status", "Status of the item (open list)", nullable=True)
    quantity: Series[pd.Int64Dtype] = column("quantity", "Units ordered", ge=0)
    currency: Series[str] = column("currency", "ISO currency; empty on Pending and Cancelled rows", nullable=True)
    item_price: Series[float] = column("item-price", "Item price; empty on Pending and Cancelled rows", nullable=True)
    item_tax: Series[float] = column("item-tax", "Tax on the item", required=False, nullable=True)
    shipping_price: Series[float] = column("shipping-price", "Shipping charged", required=False, nullable=True)
    shipping_tax: Series[float] = column("shipping-tax", "Tax on shipping", required=False, nullable=True)
    gift_wrap_price: Series[float] = column("gift-wrap-price", "Gift wrap charged", required=False, nullable=True)
    gift_wrap_tax: Series[float] = column("gift-wrap-tax", "Tax on gift wrap", required=False, nullable=True)
    item_promotion_discount: Series[float] = column(
        "item-promotion-discount", "Promotion discount on the item", required=False, nullable=True
    )
    ship_promotion_discount: Series[float] = column(
        "ship-promotion-discount", "Promotion discount on shipping", required=False, nullable=True
    )
    ship_country: Series[str] = column("ship-country", "Destination country code", required=False, nullable=True)
    promotion_ids: Series[str] = column("promotion-ids", "Promotions applied", required=False, nullable=True)
    is_business_order: Series[str] = column(
        "is-business-order", "true for Amazon Business orders", required=False, nullable=True
    )
    price_designation: Series[str] = column(
        "price-designation", "Business price designation", required=False, nullable=True
    )
