-- response_within_24h_rate: buyer messages answered within 24 h / buyer messages, by the day of
-- received-at, in the 7, 30 and 90 days ending on the as-of day. Messages marked
-- no-response-needed are left out; so is a message on the days it is pending (no reply yet and
-- at most 24 h old at the end of the day, see int_buyer_message_responses). Exactly 24 h is on
-- time. Messages without an order (questions before buying) count too.
{%- set series = [
    {'metric': 'response_within_24h_rate', 'fulfillment_channel': 'ALL', 'window_days': 7, 'lag_days': 0},
    {'metric': 'response_within_24h_rate', 'fulfillment_channel': 'ALL', 'window_days': 30, 'lag_days': 0},
    {'metric': 'response_within_24h_rate', 'fulfillment_channel': 'ALL', 'window_days': 90, 'lag_days': 0},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

messages as (
    select * from {{ ref('int_buyer_message_responses') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        received_day,
        not_pending_from_day,
        is_answered_within_24h,
        count(*) as messages
    from messages
    where not is_no_response_needed
    group by seller_id, marketplace_id, received_day, not_pending_from_day, is_answered_within_24h
),

windows as (
    {{ series_windows('cohorts', 'received_day', series) }}
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
        messages as denominator,
        0 as numerator,
        0 as value_sum
    from windows
    union all
    -- a message answered within 24 h stops being pending on its reply's day: on time from then on
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(not_pending_from_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        messages as numerator,
        0 as value_sum
    from windows
    where is_answered_within_24h
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
