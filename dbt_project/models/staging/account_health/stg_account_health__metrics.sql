-- Amazon's own account health report, one row per file day and metric entry. Each day is a
-- snapshot, not a version of the day before, so every day is kept; within one day a file
-- uploaded again replaces the earlier one at ingestion, and a repeated entry keeps its last row.
with

source as {{ cte_inlined() }} (
    select * from {{ source('raw', 'account_health') }}
),

latest_version as (
    {{ keep_latest_version(
        'source',
        ['seller_id', 'marketplace_id', 'dt', 'report_marketplace_id', 'metric', 'fulfillment_channel']
    ) }}
),

renamed as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        dt as report_date,
        report_marketplace_id,
        metric,
        amazon_metric,
        entry_kind,
        fulfillment_channel,

        ---------- Amazon's figures
        reporting_date_from,
        reporting_date_to,
        status,
        rate,
        order_count,
        population_key,
        defect_count,
        event_key,
        target_value,
        target_condition,
        score,

        ---------- lineage
        dt,
        _source_key,
        _line_number,
        _loaded_at

    from latest_version
)

select * from renamed
