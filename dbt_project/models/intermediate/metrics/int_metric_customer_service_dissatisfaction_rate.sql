-- customer_service_dissatisfaction_rate: NO answers / answers, over the threads whose latest
-- survey answer on or before the as-of day was given in the 28 days ending on it. A thread's
-- answer counts from its day until the day before the thread's next answer (see
-- int_cs_survey_thread_answers).
{%- set series = [
    {'metric': 'customer_service_dissatisfaction_rate', 'fulfillment_channel': 'ALL', 'window_days': 28, 'lag_days': 0},
] %}

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
        window_first_day as valid_from,
        counted_last_day as valid_to,
        answers as denominator,
        case when answer = 'NO' then answers else 0 end as numerator,
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
        {{ rate_value() }} as value
    from totals
)

select * from final
