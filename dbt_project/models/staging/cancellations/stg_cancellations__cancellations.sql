-- One row per cancelled order: its latest cancellation version.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'cancellations') }}
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

        ---------- cancellation
        cancelled_at,
        upper(trim(cancelled_by)) as cancelled_by,
        reason,
        last_updated_at,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
