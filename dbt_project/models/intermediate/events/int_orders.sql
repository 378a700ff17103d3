-- One row per order (seller, marketplace, amazon_order_id). Its purchase date, channel and
-- status are those of its latest item version (ordering rule of docs/exports.md across its items);
-- its SKUs are listed for drill-down.
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'amazon_order_id']) }}

with

{% if is_incremental() -%}
touched_orders as (
    {{ records_touched_since_last_build([{'export': 'orders', 'record_key': ['amazon_order_id', 'sku']}]) }}
),
{%- endif %}

order_items as (
    select * from {{ ref('stg_orders__order_items') }} as order_items
    {{ where_record_touched('order_items') }}
),

ranked_items as (
    select
        order_items.*,
        row_number() over (
            partition by seller_id, marketplace_id, amazon_order_id
            order by {{ version_order('last_updated_date') }}
        ) as item_rank,
        count(*) over (partition by seller_id, marketplace_id, amazon_order_id) as item_count
    from order_items
),

latest_items as (
    select * from ranked_items
    where item_rank = 1
),

-- most orders have one item: an ordered string aggregate over every order costs more than
-- the rest of the model, so only orders with several items are aggregated
multi_item_skus as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        {{ dbt.listagg('sku', "'|'", 'order by sku') }} as skus
    from ranked_items
    where item_count > 1
    group by seller_id, marketplace_id, amazon_order_id
),

final as (
    select
        ---------- ids
        latest_items.seller_id,
        latest_items.marketplace_id,
        latest_items.amazon_order_id,

        ---------- order
        latest_items.purchase_date,
        {{ day_of('latest_items.purchase_date') }} as purchase_day,
        latest_items.fulfillment_channel,
        latest_items.order_status,
        latest_items.ship_service_level,
        latest_items.last_updated_date,

        ---------- items
        latest_items.item_count,
        coalesce(multi_item_skus.skus, latest_items.sku) as skus,

        {{ loaded_through_column() }}

    from latest_items
    left join multi_item_skus
        on latest_items.seller_id = multi_item_skus.seller_id
        and latest_items.marketplace_id = multi_item_skus.marketplace_id
        and latest_items.amazon_order_id = multi_item_skus.amazon_order_id
)

select * from final
