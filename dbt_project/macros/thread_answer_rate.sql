{#
    The whole query of the two customer-service metrics over survey answers: each thread's latest
    answer on or before D counts while its answer day is in the window (int_cs_survey_thread_answers
    says until which day an answer is its thread's latest). `numerator_per_answer` is what a cohort
    of `answers` answers adds to the numerator; below `minimum_answers` there is no value.
#}
{% macro thread_answer_rate(series, numerator_per_answer, minimum_answers=1) -%}
with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

answers as (
    select * from {{ ref('int_cs_survey_thread_answers') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        answered_day,
        latest_until_day,
        answer,
        count(*) as answers
    from answers
    group by seller_id, marketplace_id, answered_day, latest_until_day, answer
),

windows as (
    {{ series_windows('cohorts', 'answered_day', series) }}
),

latest_windows as (
    select
        windows.*,
        case
            when latest_until_day is null then window_last_day
            else least(window_last_day, latest_until_day)
        end as counted_last_day
    from windows
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
        counted_last_day as valid_to,
        answers as denominator,
        {{ numerator_per_answer }} as numerator,
        0 as value_sum
    from latest_windows
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
        case
            when denominator >= {{ minimum_answers }} then numerator / denominator
        end as value
    from totals
)

select * from final
{%- endmacro %}
