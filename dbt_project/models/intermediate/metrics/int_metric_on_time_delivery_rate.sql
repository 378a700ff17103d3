-- on_time_delivery_rate: MFN orders delivered on or before the as-of day and not later than
-- their latest-delivery-date / MFN orders with valid tracking as of the as-of day, by the day
-- of latest-delivery-date, in a 14-day window ending 7 days before the as-of day. Orders come
-- from mfn_shipments; an order enters the population on its first scan's day.
{%- set series = [
    {'metric': 'on_time_delivery_rate', 'fulfillment_channel': 'MFN', 'window_days': 14, 'lag_days': 7},
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
        deliver_by_day,
        valid_tracking_day,
        delivered_on_time_day,
        count(*) as orders
    from shipments
    where deliver_by_day is not null
        and valid_tracking_day is not null
    group by seller_id, marketplace_id, deliver_by_day, valid_tracking_day, delivered_on_time_day
),

windows as (
    {{ series_windows('cohorts', 'deliver_by_day', series) }}
),

intervals as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        greatest(valid_tracking_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        orders as denominator,
        0 as numerator,
        0 as value_sum
    from windows
    union all
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        greatest(delivered_on_time_day, valid_tracking_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        orders as numerator,
        0 as value_sum
    from windows
    where delivered_on_time_day is not null
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
