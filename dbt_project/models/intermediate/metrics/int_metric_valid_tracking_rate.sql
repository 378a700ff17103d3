-- valid_tracking_rate: MFN orders with a tracking number and a first carrier scan on or before
-- the as-of day / MFN orders shipped, by the day of shipped-at, in a 30-day window ending 10
-- days before the as-of day. Orders come from mfn_shipments. Every order in the window was
-- shipped at least 10 days before D, so "shipped on or before D" always holds there.
{%- set series = [
    {'metric': 'valid_tracking_rate', 'fulfillment_channel': 'MFN', 'window_days': 30, 'lag_days': 10},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

shipments as (
    select * from {{ ref('int_mfn_shipment_events') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        shipped_day,
        valid_tracking_day,
        count(*) as orders
    from shipments
    where shipped_day is not null
    group by seller_id, marketplace_id, shipped_day, valid_tracking_day
),

windows as (
    {{ series_windows('cohorts', 'shipped_day', series) }}
),

intervals as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        window_first_day as valid_from,
        window_last_day as valid_to,
        orders as denominator,
        0 as numerator,
        0 as value_sum
    from windows
    union all
    -- valid from the first scan's day on (with a tracking number)
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        greatest(valid_tracking_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        orders as numerator,
        0 as value_sum
    from windows
    where valid_tracking_day is not null
),

totals as (
    {{ running_metric_totals('intervals', 'series', 'as_of_days') }}
),

final as (
    select
        as_of_date,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        window_start,
        window_end,
        numerator,
        denominator,
        {{ rate_value() }} as value
    from totals
)

select * from final
