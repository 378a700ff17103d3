-- One row per rated order: the latest feedback row (no version column: dt, then file key, then
-- line). A feedback changed from 1 star to 4 is a 4 on every day, so it is never negative.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'feedback') }}
),

latest_version as (
    {{ keep_latest_version('source', ['seller_id', 'marketplace_id', 'amazon_order_id']) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        amazon_order_id,

        ---------- feedback
        feedback_date,
        rating,
        -- the older layout's Yes / No / - answers; '-' and anything else are unknown
        case lower(trim(arrived_on_time)) when 'yes' then true when 'no' then false end as arrived_on_time,
        case lower(trim(item_as_described)) when 'yes' then true when 'no' then false end as item_as_described,
        case lower(trim(customer_service)) when 'yes' then true when 'no' then false end as customer_service,
        rater_role,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
