{#
    The whole query of the two shipment metrics with a lag, valid_tracking_rate and
    on_time_delivery_rate, over int_mfn_shipment_events. Their models (int_metric_*) and the
    outlook (int_metric_outlook_values) call them with their series: the same SQL counts the
    population of a window with the events as of each as-of day, whatever the lag. `as_of_days`:
    the as-of days to compute (default: int_seller_marketplace_days, all of them).
#}

{# valid_tracking_rate: see its model, int_metric_valid_tracking_rate.sql. #}
{% macro valid_tracking_rate(series, as_of_days=none) -%}
with

as_of_days as (
    select * from {{ as_of_days or ref('int_seller_marketplace_days') }}
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
        and {{ within_reach('shipped_day', series, 'as_of_days') }}
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
        lag_days,
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
        lag_days,
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
{%- endmacro %}

{# on_time_delivery_rate: see its model, int_metric_on_time_delivery_rate.sql. #}
{% macro on_time_delivery_rate(series, as_of_days=none) -%}
with

as_of_days as (
    select * from {{ as_of_days or ref('int_seller_marketplace_days') }}
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
        and {{ within_reach('deliver_by_day', series, 'as_of_days') }}
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
        lag_days,
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
        lag_days,
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
{%- endmacro %}
