-- The scorecard: one row per seller x marketplace x channel x metric x window x as-of day, with
-- the metric's target and status (metrics.md, "Values, targets and status"). Targets are data
-- (seeds/metric_targets.csv): a row for the marketplace overrides the `ALL` default row.
with

metric_values as (
    select * from {{ ref('int_metric_values') }}
),

targets as (
    select * from {{ ref('metric_targets') }}
),

-- the marketplace's own row, else the default; an override replaces the whole row, so an
-- override without warning level removes the default's
targeted as (
    select
        metric_values.*,
        case
            when marketplace_targets.metric is not null then marketplace_targets.target_condition
            else default_targets.target_condition
        end as target_condition,
        case
            when marketplace_targets.metric is not null then marketplace_targets.target
            else default_targets.target
        end as target,
        case
            when marketplace_targets.metric is not null then marketplace_targets.warning_level
            else default_targets.warning_level
        end as warning_level
    from metric_values
    left join targets as marketplace_targets
        on metric_values.metric = marketplace_targets.metric
        and metric_values.marketplace_id = marketplace_targets.marketplace_id
    left join targets as default_targets
        on metric_values.metric = default_targets.metric
        and default_targets.marketplace_id = 'ALL'
),

judged as (
    select
        targeted.*,
        case target_condition
            when 'LESS_THAN' then value < target
            when 'GREATER_THAN' then value > target
            when 'AT_LEAST' then value >= target
        end as meets_target,
        -- a warning level turns GOOD into WARNING: at or above it for a LESS_THAN target,
        -- below it for the others
        case
            when warning_level is null then false
            when target_condition = 'LESS_THAN' then value >= warning_level
            else value < warning_level
        end as is_within_warning
    from targeted
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
        cast(
            case
                when value is null then 'NO_DATA'
                when target_condition is null then 'NO_TARGET'
                when not meets_target then 'BAD'
                when is_within_warning then 'WARNING'
                else 'GOOD'
            end as {{ dbt.type_string() }}
        ) as status
    from judged
)

select * from final
