-- One row per chargeback: its latest version.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'chargebacks') }}
),

latest_version as (
    {{ keep_latest_version(
        'source', ['seller_id', 'marketplace_id', 'chargeback_id'], 'last_updated_at'
    ) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        chargeback_id,
        amazon_order_id,

        ---------- chargeback
        filed_at,
        upper(trim(type)) as chargeback_type,
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
