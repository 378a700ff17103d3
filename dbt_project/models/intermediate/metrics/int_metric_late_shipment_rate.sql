-- late_shipment_rate: late shipments / MFN orders not cancelled on or before the as-of day, by
-- the day of their latest-ship-date, in the 10 and in the 30 days ending on the as-of day.
-- Orders come from mfn_shipments. A late order (unshipped at the end of D, or shipped after
-- its deadline) is late from its ship-by day on; any cancellation takes it out of the
-- population (and so of the numerator) from the cancellation day.
{%- set series = [
    {'metric': 'late_shipment_rate', 'fulfillment_channel': 'MFN', 'window_days': 10, 'lag_days': 0},
    {'metric': 'late_shipment_rate', 'fulfillment_channel': 'MFN', 'window_days': 30, 'lag_days': 0},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

shipments as (
    select * from {{ ref('int_mfn_shipment_events') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        ship_by_day,
        cancelled_day,
        is_shipped_late,
        count(*) as orders
    from shipments
    group by seller_id, marketplace_id, ship_by_day, cancelled_day, is_shipped_late
),

windows as (
    {{ series_windows('cohorts', 'ship_by_day', series) }}
),

-- in the window while not cancelled: until the day before the cancellation day
counted_windows as (
    select
        windows.*,
        case
            when cancelled_day is null then window_last_day
            else least(window_last_day, {{ add_days('cancelled_day', -1) }})
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
        orders as denominator,
        0 as numerator,
        0 as value_sum
    from counted_windows
    union all
    -- every day of the window is on or after the ship-by day: a late order is late on all of them
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        window_first_day as valid_from,
        counted_last_day as valid_to,
        0 as denominator,
        orders as numerator,
        0 as value_sum
    from counted_windows
    where is_shipped_late
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
