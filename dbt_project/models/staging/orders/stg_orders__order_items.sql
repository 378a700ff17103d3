-- One row per order item (seller, marketplace, amazon_order_id, sku): its latest version.
-- A table, not a view like the other staging models: the largest export, built incrementally
-- (a night rebuilds the orders it touches, macros/incremental.sql).
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'amazon_order_id', 'sku']) }}

with

{% if is_incremental() -%}
touched_orders as (
    {{ records_touched_since_last_build([{'export': 'orders', 'record_key': ['amazon_order_id', 'sku']}]) }}
),
{%- endif %}

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'orders') }} as orders
    {{ where_record_touched('orders') }}
),

latest_version as (
    {{ keep_latest_version(
        'source',
        ['seller_id', 'marketplace_id', 'amazon_order_id', 'sku'],
        'last_updated_date'
    ) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        amazon_order_id,
        sku,
        merchant_order_id,
        asin,

        ---------- order
        purchase_date,
        last_updated_date,
        order_status,
        item_status,
        -- the metrics speak of MFN and AFN; values Amazon may add later are kept as they come
        case fulfillment_channel
            when 'Merchant' then 'MFN'
            when 'Amazon' then 'AFN'
            else upper(fulfillment_channel)
        end as fulfillment_channel,
        sales_channel,
        order_channel,
        ship_service_level,
        product_name,
        ship_country,
        promotion_ids,
        lower(trim(is_business_order)) = 'true' as is_business_order,
        price_designation,

        ---------- amounts
        quantity,
        currency,
        item_price,
        item_tax,
        shipping_price,
        shipping_tax,
        gift_wrap_price,
        gift_wrap_tax,
        item_promotion_discount,
        ship_promotion_discount,

        ---------- lineage: the tie-breaks of the ordering rule, for order-level picks downstream
        dt,
        _source_key,
        _line_number,
        _loaded_at,
        {{ loaded_through_column() }}

    from latest_version
)

select * from renamed
