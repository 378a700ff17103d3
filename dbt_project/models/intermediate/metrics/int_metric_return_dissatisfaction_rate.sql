-- return_dissatisfaction_rate: negative return requests / return requests, by the day of
-- requested-at, in the 30 days ending on the as-of day, leaving out a request on the days it
-- is unanswered and at most 48 h old at the end of the day. Negative: not answered within 48 h
-- (exactly 48 h is in time), REJECTED while in policy, or negative return feedback (see
-- int_return_request_outcomes).
{%- set series = [
    {'metric': 'return_dissatisfaction_rate', 'fulfillment_channel': 'ALL', 'window_days': 30, 'lag_days': 0},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

return_requests as (
    select * from {{ ref('int_return_request_outcomes') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        requested_day,
        not_pending_from_day,
        negative_from_day,
        count(*) as requests
    from return_requests
    group by seller_id, marketplace_id, requested_day, not_pending_from_day, negative_from_day
),

windows as (
    {{ series_windows('cohorts', 'requested_day', series) }}
),

intervals as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(not_pending_from_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        requests as denominator,
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
        greatest(negative_from_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        requests as numerator,
        0 as value_sum
    from windows
    where negative_from_day is not null
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
