-- One row per A-to-z claim: its latest version (its status is the latest one on every day).
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'claims') }}
),

latest_version as (
    {{ keep_latest_version('source', ['seller_id', 'marketplace_id', 'claim_id'], 'last_updated_at') }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        claim_id,
        amazon_order_id,

        ---------- claim
        filed_at,
        upper(trim(status)) as status,
        amount,
        currency,
        last_updated_at,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
