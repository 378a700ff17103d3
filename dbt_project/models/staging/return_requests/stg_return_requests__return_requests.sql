-- One row per return request (rma_id): its latest version.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'return_requests') }}
),

latest_version as (
    {{ keep_latest_version('source', ['seller_id', 'marketplace_id', 'rma_id'], 'last_updated_at') }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        rma_id,
        amazon_order_id,

        ---------- request
        requested_at,
        {{ yes_no_flag('in_policy', empty_is_no=false) }} as is_in_policy,
        responded_at,
        upper(trim(response)) as response,
        refunded_at,
        refunded_amount,
        currency,
        -- the export says "Y if the buyer said the return was not resolved, else N or empty"
        {{ yes_no_flag('negative_return_feedback') }} as has_negative_return_feedback,
        last_updated_at,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
