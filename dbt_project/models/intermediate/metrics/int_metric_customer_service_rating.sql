-- customer_service_rating: 10 x YES answers / answers, on 0 to 10, over the same threads as
-- customer_service_dissatisfaction_rate (latest answer per thread, 28 days). Below 40 answers
-- there is no value (NO_DATA), though numerator and denominator are filled.
{%- set minimum_answers = 40 %}
{%- set series = [
    {'metric': 'customer_service_rating', 'fulfillment_channel': 'ALL', 'window_days': 28, 'lag_days': 0},
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

-- the numerator is 10 x the YES answers, so that value = numerator / denominator
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
        case when answer = 'YES' then 10 * answers else 0 end as numerator,
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
