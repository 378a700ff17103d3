-- The latest day of data of each seller-marketplace, over both alert sources: the day on which the
-- alerts asset closes an annotated alert whose episode vanished from restated history
-- (docs/tables.md, "marts.alerts").
with

days as (
    select
        seller_id,
        marketplace_id,
        as_of_date as series_day
    from {{ ref('seller_metrics_daily') }}
    union all
    select
        seller_id,
        marketplace_id,
        snapshot_date as series_day
    from {{ ref('int_amazon_alert_days') }}
)

select
    cast(seller_id as {{ dbt.type_string() }}) as seller_id,
    cast(marketplace_id as {{ dbt.type_string() }}) as marketplace_id,
    cast(max(series_day) as date) as latest_day
from days
group by seller_id, marketplace_id
