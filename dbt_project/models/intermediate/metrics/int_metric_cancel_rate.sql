-- cancel_rate: MFN orders cancelled by the seller (or by Amazon, for want of confirmation)
-- / MFN orders, by purchase day, in the 7 days ending on the as-of day. A buyer's
-- cancellation is not the seller's doing and does not count.
{%- set series = [
    {'metric': 'cancel_rate', 'fulfillment_channel': 'MFN', 'window_days': 7, 'lag_days': 0},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

orders as (
    select * from {{ ref('int_order_events') }}
),

series as (
    {{ metric_series(series) }}
),

-- orders of one channel, purchase day and event day move through the windows together
cohorts as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel as order_channel,
        purchase_day,
        seller_cancelled_day as event_day,
        count(*) as orders
    from orders
    group by seller_id, marketplace_id, fulfillment_channel, purchase_day, seller_cancelled_day
),

windows as (
    {{ series_windows('cohorts', 'purchase_day', series, channel_column='order_channel') }}
),

intervals as (
    -- in the population while its purchase day is in the window
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
    -- in the numerator from the day of a seller cancellation on, while in the window
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        greatest(event_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        orders as numerator,
        0 as value_sum
    from windows
    where event_day is not null
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
