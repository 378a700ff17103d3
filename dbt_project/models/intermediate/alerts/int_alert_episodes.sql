-- The breach episodes of every alert series (docs/tables.md, "marts.alerts"): gaps and islands
-- over the days of each series. A series is seller x marketplace x channel x metric x window of
-- marts.seller_metrics_daily (source sellerhealth), or seller x marketplace x channel x Amazon
-- entry of int_amazon_alert_days (source amazon, window 0). An episode is a run of BAD or WARNING
-- days; NO_DATA and NO_TARGET days (and days without a row) neither open nor close one; the first
-- GOOD day closes it. The alerts asset (pipelines/defs/alerts) merges these rows into marts.alerts,
-- keeping what people wrote there.
--
-- Rebuilt in full on every run: a late or re-uploaded export restates past days, and with them
-- any episode of the series, however old. Only the series that breached at least once are
-- numbered, and only their BAD, WARNING and GOOD days.
with

metric_days as (
    select
        'sellerhealth' as source,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        as_of_date as series_day,
        status,
        value,
        target,
        target_condition
    from {{ ref('seller_metrics_daily') }}
    where status in ('BAD', 'WARNING', 'GOOD')
),

amazon_days as (
    select
        'amazon' as source,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric as metric,
        0 as window_days,
        snapshot_date as series_day,
        status,
        value,
        target,
        target_condition
    from {{ ref('int_amazon_alert_days') }}
    where status in ('BAD', 'WARNING', 'GOOD')
),

all_days as (
    select * from metric_days
    union all
    select * from amazon_days
),

breached_series as (
    select distinct
        source,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days
    from all_days
    where status in ('BAD', 'WARNING')
),

-- island number: the count of GOOD days up to and including the day. Every breach day between
-- two GOOD days has the same number; the GOOD day that closes island k has number k + 1.
numbered as (
    select
        d.*,
        sum(case when d.status = 'GOOD' then 1 else 0 end) over (
            partition by d.source, d.seller_id, d.marketplace_id, d.fulfillment_channel, d.metric, d.window_days
            order by d.series_day
            rows between unbounded preceding and current row
        ) as island
    from all_days as d
    inner join breached_series as b
        on d.source = b.source
        and d.seller_id = b.seller_id
        and d.marketplace_id = b.marketplace_id
        and d.fulfillment_channel = b.fulfillment_channel
        and d.metric = b.metric
        and d.window_days = b.window_days
),

breach_days as (
    select
        *,
        min(series_day) over (
            partition by source, seller_id, marketplace_id, fulfillment_channel, metric, window_days, island
        ) as opened_on,
        max(case when status = 'BAD' then 1 else 0 end) over (
            partition by source, seller_id, marketplace_id, fulfillment_channel, metric, window_days, island
        ) as any_bad,
        row_number() over (
            partition by source, seller_id, marketplace_id, fulfillment_channel, metric, window_days, island
            order by series_day desc
        ) as from_last
    from numbered
    where status in ('BAD', 'WARNING')
),

closing_days as (
    select
        source,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        island - 1 as closed_island,
        series_day as resolved_on
    from numbered
    where status = 'GOOD'
),

-- one row per episode: its last breach day, with the value, target and condition of that day
episodes as (
    select
        b.source,
        b.seller_id,
        b.marketplace_id,
        b.fulfillment_channel,
        b.metric,
        b.window_days,
        case when b.any_bad = 1 then 'CRITICAL' else 'WARNING' end as severity,
        case when c.resolved_on is null then 'OPEN' else 'RESOLVED' end as status,
        b.opened_on,
        b.series_day as last_breached_on,
        c.resolved_on,
        b.value,
        b.target,
        b.target_condition
    from breach_days as b
    left join closing_days as c
        on b.source = c.source
        and b.seller_id = c.seller_id
        and b.marketplace_id = c.marketplace_id
        and b.fulfillment_channel = c.fulfillment_channel
        and b.metric = c.metric
        and b.window_days = c.window_days
        and b.island = c.closed_island
    where b.from_last = 1
)

select
    cast(
        {{ alert_id('source', 'seller_id', 'marketplace_id', 'fulfillment_channel', 'metric', 'window_days', 'opened_on') }}
        as {{ dbt.type_string() }}
    ) as alert_id,
    cast(seller_id as {{ dbt.type_string() }}) as seller_id,
    cast(marketplace_id as {{ dbt.type_string() }}) as marketplace_id,
    cast(fulfillment_channel as {{ dbt.type_string() }}) as fulfillment_channel,
    cast(metric as {{ dbt.type_string() }}) as metric,
    cast(window_days as {{ dbt.type_int() }}) as window_days,
    cast(severity as {{ dbt.type_string() }}) as severity,
    cast(status as {{ dbt.type_string() }}) as status,
    cast(opened_on as date) as opened_on,
    cast(last_breached_on as date) as last_breached_on,
    cast(resolved_on as date) as resolved_on,
    cast(value as {{ type_double() }}) as value,
    cast(target as {{ type_double() }}) as target,
    cast(target_condition as {{ dbt.type_string() }}) as target_condition,
    cast(source as {{ dbt.type_string() }}) as source
from episodes
