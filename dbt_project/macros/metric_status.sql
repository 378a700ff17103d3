{#
    The target and status of metric values: marts.seller_metrics_daily and marts.metric_outlook
    judge their rows here, so both follow the same rules.

    metric_values: a relation with marketplace_id, metric and value (any other columns are kept).
    Targets are data (seeds/metric_targets.csv): the marketplace's own row, else the `ALL`
    default; an override replaces the whole row, so an override without warning level removes
    the default's. Returns the rows with target_condition, target, warning_level and status.
#}
{% macro judge_metric_values(metric_values) -%}
    select
        judged.*,
        case
            when judged.value is null then 'NO_DATA'
            when judged.target_condition is null then 'NO_TARGET'
            when not judged.meets_target then 'BAD'
            when judged.is_within_warning then 'WARNING'
            else 'GOOD'
        end as status
    from (
        select
            targeted.*,
            case targeted.target_condition
                when 'LESS_THAN' then targeted.value < targeted.target
                when 'GREATER_THAN' then targeted.value > targeted.target
                when 'AT_LEAST' then targeted.value >= targeted.target
            end as meets_target,
            -- a warning level turns GOOD into WARNING: at or above it for a LESS_THAN target,
            -- below it for the others
            case
                when targeted.warning_level is null then false
                when targeted.target_condition = 'LESS_THAN' then targeted.value >= targeted.warning_level
                else targeted.value < targeted.warning_level
            end as is_within_warning
        from (
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
            from {{ metric_values }} as metric_values
            left join {{ ref('metric_targets') }} as marketplace_targets
                on metric_values.metric = marketplace_targets.metric
                and metric_values.marketplace_id = marketplace_targets.marketplace_id
            left join {{ ref('metric_targets') }} as default_targets
                on metric_values.metric = default_targets.metric
                and default_targets.marketplace_id = 'ALL'
        ) as targeted
    ) as judged
{%- endmacro %}
