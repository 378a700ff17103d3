"""`orders`: Amazon's All Orders report by last update, one row per order item (SP-API flat file).

Key (`amazon_order_id`, `sku`); version `last_updated_date`. `order_status` and `item_status` are
open lists: values Amazon adds later load as they are. Buyer address columns (`ship-city`,
`ship-state`, `ship-postal-code`), `buyer-*`, `recipient-*` and `url` are not in the contract and
are dropped on read; `ship-country` is kept for analysis by country.
"""

from ._base import Decimal, ExportModel, Integer, Text, Timestamp, column


class Orders(ExportModel):
    amazon_order_id: Text = column("amazon-order-id", "Amazon's order id", str_length={"min_value": 1})
    merchant_order_id: Text = column("merchant-order-id", "The seller's own order id", required=False, nullable=True)
    purchase_date: Timestamp = column("purchase-date", "When the buyer placed the order (UTC)")
    last_updated_date: Timestamp = column(
        "last-updated-date", "When this version of the item was written (UTC); the version"
    )
    order_status: Text = column(
        "order-status", "Pending, Unshipped, PartiallyShipped, Shipped, Cancelled, Unfulfillable, or newer"
    )
    fulfillment_channel: Text = column("fulfillment-channel", "`Amazon` (FBA, AFN) or `Merchant` (MFN)")
    sales_channel: Text = column("sales-channel", "e.g. Amazon.com", nullable=True)
    order_channel: Text = column("order-channel", "Order channel", required=False, nullable=True)
    ship_service_level: Text = column("ship-service-level", "Standard, Expedited, ...", required=False, nullable=True)
    product_name: Text = column("product-name", "Listing title", required=False, nullable=True)
    sku: Text = column("sku", "The seller's SKU", str_length={"min_value": 1})
    asin: Text = column("asin", "Amazon's product id", nullable=True)
    item_status: Text = column("item-status", "Status of the item (open list)", nullable=True)
    quantity: Integer = column("quantity", "Units ordered", ge=0)
    currency: Text = column("currency", "ISO currency; empty on Pending and Cancelled rows", nullable=True)
    item_price: Decimal = column("item-price", "Item price; empty on Pending and Cancelled rows", nullable=True)
    item_tax: Decimal = column("item-tax", "Tax on the item", required=False, nullable=True)
    shipping_price: Decimal = column("shipping-price", "Shipping charged", required=False, nullable=True)
    shipping_tax: Decimal = column("shipping-tax", "Tax on shipping", required=False, nullable=True)
    gift_wrap_price: Decimal = column("gift-wrap-price", "Gift wrap charged", required=False, nullable=True)
    gift_wrap_tax: Decimal = column("gift-wrap-tax", "Tax on gift wrap", required=False, nullable=True)
    item_promotion_discount: Decimal = column(
        "item-promotion-discount", "Promotion discount on the item", required=False, nullable=True
    )
    ship_promotion_discount: Decimal = column(
        "ship-promotion-discount", "Promotion discount on shipping", required=False, nullable=True
    )
    ship_country: Text = column("ship-country", "Destination country code", required=False, nullable=True)
    promotion_ids: Text = column("promotion-ids", "Promotions applied", required=False, nullable=True)
    is_business_order: Text = column(
        "is-business-order", "true for Amazon Business orders", required=False, nullable=True
    )
    price_designation: Text = column("price-designation", "Business price designation", required=False, nullable=True)
