{#
    The whole query of a metric of the form "orders with an event on or before D / orders", by
    purchase day, per order channel: odr, odr_long, negative_feedback_rate, a_to_z_claim_rate,
    chargeback_rate, cancel_rate. `event_day_column` names the column of int_order_events that holds
    the first day of the order's event (NULL when it has none). Each metric keeps its own model,
    named after it, that says which series and which event; this macro is how they are counted.
#}
{% macro order_event_rate(series, event_day_column, as_of_days=none) -%}
with

as_of_days as (
    select * from {{ as_of_days or ref('int_seller_marketplace_days') }}
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
        {{ event_day_column }} as event_day,
        count(*) as orders
    from orders
    where {{ within_reach('purchase_day', series, 'as_of_days') }}
    group by seller_id, marketplace_id, fulfillment_channel, purchase_day, {{ event_day_column }}
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
        lag_days,
        window_first_day as valid_from,
        window_last_day as valid_to,
        orders as denominator,
        0 as numerator,
        0 as value_sum
    from windows
    union all
    -- in the numerator from the day of its event on, while in the window
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
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
{%- endmacro %}
