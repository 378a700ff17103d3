-- One row per buyer message: its latest version.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'buyer_messages') }}
),

latest_version as (
    {{ keep_latest_version('source', ['seller_id', 'marketplace_id', 'message_id'], 'last_updated_at') }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        message_id,
        thread_id,
        -- empty for questions asked before buying
        nullif(trim(amazon_order_id), '') as amazon_order_id,

        ---------- message
        received_at,
        responded_at,
        -- the export says "Y if the seller marked it so, else N or empty"
        {{ yes_no_flag('no_response_needed') }} as is_no_response_needed,
        last_updated_at,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
