-- One row per seller-fulfilled order: its latest shipment version.
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'amazon_order_id']) }}

with

{% if is_incremental() -%}
touched_orders as (
    {{ records_touched_since_last_build([{'export': 'mfn_shipments', 'record_key': ['amazon_order_id']}]) }}
),
{%- endif %}

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'mfn_shipments') }} as shipments
    {{ where_record_touched('shipments') }}
),

latest_version as (
    {{ keep_latest_version(
        'source', ['seller_id', 'marketplace_id', 'amazon_order_id'], 'last_updated_at'
    ) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        amazon_order_id,

        ---------- promise
        latest_ship_date,
        latest_delivery_date,

        ---------- shipment; a blank carrier or tracking number is no carrier or tracking number
        shipped_at,
        nullif(trim(carrier), '') as carrier,
        nullif(trim(tracking_number), '') as tracking_number,
        first_scan_at,
        delivered_at,
        last_updated_at,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at,
        {{ loaded_through_column() }}

    from latest_version
)

select * from renamed
