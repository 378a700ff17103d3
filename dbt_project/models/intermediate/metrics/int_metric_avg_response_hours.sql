-- avg_response_hours: the mean of responded-at - received-at, in hours, over buyer messages
-- answered on or before the as-of day, by the day of received-at, in the 7, 30 and 90 days
-- ending on the as-of day. Messages marked no-response-needed are left out. A mean has no
-- numerator: the value is the running sum of seconds / the running count of messages / 3600.
{%- set series = [
    {'metric': 'avg_response_hours', 'fulfillment_channel': 'ALL', 'window_days': 7, 'lag_days': 0},
    {'metric': 'avg_response_hours', 'fulfillment_channel': 'ALL', 'window_days': 30, 'lag_days': 0},
    {'metric': 'avg_response_hours', 'fulfillment_channel': 'ALL', 'window_days': 90, 'lag_days': 0},
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
        responded_day,
        count(*) as messages,
        -- whole seconds: sums of integers are exact in any order, so a rebuild gives the same bits
        sum(round(response_hours * 3600)) as response_seconds
    from messages
    where not is_no_response_needed
        and responded_at is not null
    group by seller_id, marketplace_id, received_day, responded_day
),

windows as (
    {{ series_windows('cohorts', 'received_day', series) }}
),

-- counted from its reply's day on, while its receipt day is in the window
intervals as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(responded_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        messages as denominator,
        0 as numerator,
        response_seconds as value_sum
    from windows
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
        cast(null as {{ type_double() }}) as numerator,
        denominator,
        {{ rate_value('value_sum') }} / 3600.0 as value
    from totals
)

select * from final
