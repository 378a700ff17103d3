-- Amazon's own view (docs/amazon-view.md): every account health snapshot Amazon gave, one row per
-- seller x marketplace (the file key's) x snapshot day (dt) x Amazon entry x channel, with the
-- snapshot's account status and Account Health Rating on every row. Entries about other
-- marketplaces in the same document are left out.
with

entries as (
    select * from {{ ref('stg_account_health__metrics') }}
    -- rows loaded before amazon_metric existed are read again when their days are reloaded
    where amazon_metric is not null
),

own_marketplace as (
    select *
    from entries
    where coalesce(report_marketplace_id, marketplace_id) = marketplace_id
),

snapshots as (
    select
        seller_id,
        marketplace_id,
        report_date,
        max(case when entry_kind = 'account_status' then status end) as account_status,
        max(case when entry_kind = 'account_health_rating' then status end) as ahr_status,
        max(case when entry_kind = 'account_health_rating' then score end) as ahr_score
    from own_marketplace
    group by seller_id, marketplace_id, report_date
),

final as (
    select
        e.seller_id,
        e.marketplace_id,
        e.report_date as snapshot_date,
        e.amazon_metric,
        coalesce(e.fulfillment_channel, 'ALL') as fulfillment_channel,
        e.entry_kind,
        {{ day_of('e.reporting_date_from') }} as reporting_date_from,
        {{ day_of('e.reporting_date_to') }} as reporting_date_to,
        cast(e.rate as {{ type_double() }}) as rate,
        cast(e.order_count as bigint) as population_count,
        e.population_key,
        cast(e.defect_count as bigint) as event_count,
        e.event_key,
        cast(e.target_value as {{ type_double() }}) as target_value,
        e.target_condition,
        e.status,
        s.account_status,
        s.ahr_status,
        cast(s.ahr_score as {{ type_double() }}) as ahr_score,
        e._source_key
    from own_marketplace as e
    inner join snapshots as s
        on e.seller_id = s.seller_id
        and e.marketplace_id = s.marketplace_id
        and e.report_date = s.report_date
)

select * from final
