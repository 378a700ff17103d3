-- The scorecard: one row per seller x marketplace x channel x metric x window x as-of day, with
-- the metric's target and status (README, "Metrics") and its headroom
-- (docs/headroom-and-outlook.md). Targets are data (seeds/metric_targets.csv): a row for the
-- marketplace overrides the `ALL` default row.
with

metric_values as (
    select * from {{ ref('int_metric_values') }}
),

judged as (
    {{ judge_metric_values('metric_values') }}
),

headroom as (
    {{ headroom('judged') }}
),

final as (
    select
        cast(as_of_date as date) as as_of_date,
        cast(seller_id as {{ dbt.type_string() }}) as seller_id,
        cast(marketplace_id as {{ dbt.type_string() }}) as marketplace_id,
        cast(fulfillment_channel as {{ dbt.type_string() }}) as fulfillment_channel,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(window_days as {{ dbt.type_int() }}) as window_days,
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
