-- One row per survey answer (survey_id): the latest row (no version column: dt, then file key,
-- then line).
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'cs_surveys') }}
),

latest_version as (
    {{ keep_latest_version('source', ['seller_id', 'marketplace_id', 'survey_id']) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        survey_id,
        thread_id,
        nullif(trim(amazon_order_id), '') as amazon_order_id,

        ---------- answer
        answered_at,
        upper(trim(answer)) as answer,

        ---------- lineage: also the tie-break between answers of a thread at the same instant
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
