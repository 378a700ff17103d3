-- chargeback_rate: orders with a SERVICE chargeback / orders, by purchase day, in the odr
-- window (60 days, lag 14), per channel.
{%- set series = [
    {'metric': 'chargeback_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
    {'metric': 'chargeback_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
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
        service_chargeback_day as event_day,
        count(*) as orders
    from orders
    group by seller_id, marketplace_id, fulfillment_channel, purchase_day, service_chargeback_day
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
    -- in the numerator from the day of a service chargeback on, while in the window
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
