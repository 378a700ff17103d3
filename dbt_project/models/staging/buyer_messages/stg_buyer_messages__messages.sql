-- One row per buyer message: its latest version.
-- A table built incrementally, like the orders' and shipments' staging models (a night rebuilds
-- the messages it touches, macros/incremental.sql): int_buyer_message_responses, built
-- incrementally too, reads only those, where a view ranked every message of the history.
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'message_id']) }}

with

{% if is_incremental() -%}
touched_messages as (
    {{ records_touched_since_last_build(
        [{'export': 'buyer_messages', 'record_key': ['message_id']}], key=['message_id']
    ) }}
),
{%- endif %}

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'buyer_messages') }} as messages
    {{ where_record_touched('messages', 'touched_messages', key=['message_id']) }}
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
        _loaded_at,
        {{ loaded_through_column() }}

    from latest_version
)

select * from renamed
