-- The outlook: for every metric with a lag (odr, odr_long, its three components,
-- valid_tracking_rate, on_time_delivery_rate), as of every day D of
-- marts.seller_metrics_daily and for j in 1 .. lag, what day D + j will show if no event
-- arrives after D, judged and with headroom as marts.seller_metrics_daily
-- (docs/headroom-and-outlook.md).
with

outlook_values as (
    select * from {{ ref('int_metric_outlook_values') }}
),

judged as (
    {{ judge_metric_values('outlook_values') }}
),

headroom as (
    {{ headroom('judged') }}
),

final as (
    select
        cast(seller_id as {{ dbt.type_string() }}) as seller_id,
        cast(marketplace_id as {{ dbt.type_string() }}) as marketplace_id,
        cast(fulfillment_channel as {{ dbt.type_string() }}) as fulfillment_channel,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
        cast(as_of_date as date) as as_of_date,
        cast(outlook_date as date) as outlook_date,
        cast({{ dbt.datediff('as_of_date', 'outlook_date', 'day') }} as {{ dbt.type_int() }}) as days_ahead,
        cast(window_start as date) as window_start,
        cast(window_end as date) as window_end,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ dbt.type_bigint() }}) as denominator,
        cast(value as {{ type_double() }}) as value,
        cast(target as {{ type_double() }}) as target,
        cast(warning_level as {{ type_double() }}) as warning_level,
        cast(target_condition as {{ dbt.type_string() }}) as target_condition,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(events_to_breach as {{ dbt.type_bigint() }}) as events_to_breach,
        cast(orders_to_recover as {{ dbt.type_bigint() }}) as orders_to_recover
    from headroom
)

select * from final
