-- order_quality_score: the mean of each order's points, all channels, by purchase day, in the
-- 365 days ending on the as-of day. An order's points as of D are those of its worst event so
-- far: -500 for a negative feedback, counted claim or service chargeback (a defect); else 0 for
-- a late shipment, a seller cancellation or a late response to a buyer message on the order;
-- else 100. A late shipment ends when the order is cancelled, so the 0-point days are the union
-- of a ray [first lasting 0-or-worse event, ...) and the late-shipment interval [a, b].
-- Points are built as 100 on every day, -100 on the 0-or-worse days (by inclusion-exclusion)
-- and -500 more from the defect's day: -500 on a defect day, since a defect is in the ray.
{%- set series = [
    {'metric': 'order_quality_score', 'fulfillment_channel': 'ALL', 'window_days': 365, 'lag_days': 0},
] %}

with

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

orders as (
    select * from {{ ref('int_order_events') }}
),

series as (
    {{ metric_series(series) }}
),

cohorts as (
    select
        seller_id,
        marketplace_id,
        purchase_day,
        -- least() skips NULLs on DuckDB and Spark: the first lasting event worth 0 or less
        least(defect_day, seller_cancelled_day, late_response_day) as zero_points_from_day,
        late_shipment_from_day,
        late_shipment_until_day,
        defect_day,
        count(*) as orders
    from orders
    group by
        seller_id,
        marketplace_id,
        purchase_day,
        least(defect_day, seller_cancelled_day, late_response_day),
        late_shipment_from_day,
        late_shipment_until_day,
        defect_day
),

windows as (
    {{ series_windows('cohorts', 'purchase_day', series) }}
),

bounded_windows as (
    select
        windows.*,
        coalesce(least(late_shipment_until_day, window_last_day), window_last_day) as late_shipment_last_day
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
        window_last_day as valid_to,
        orders as denominator,
        0 as numerator,
        100 * orders as value_sum
    from bounded_windows
    union all
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(zero_points_from_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        0 as numerator,
        -100 * orders as value_sum
    from bounded_windows
    where zero_points_from_day is not null
    union all
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(late_shipment_from_day, window_first_day) as valid_from,
        late_shipment_last_day as valid_to,
        0 as denominator,
        0 as numerator,
        -100 * orders as value_sum
    from bounded_windows
    where late_shipment_from_day is not null
    union all
    -- days both in the ray and late were taken 100 off twice
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(zero_points_from_day, late_shipment_from_day, window_first_day) as valid_from,
        late_shipment_last_day as valid_to,
        0 as denominator,
        0 as numerator,
        100 * orders as value_sum
    from bounded_windows
    where zero_points_from_day is not null
        and late_shipment_from_day is not null
    union all
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(defect_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        0 as numerator,
        -500 * orders as value_sum
    from bounded_windows
    where defect_day is not null
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
        {{ rate_value('value_sum') }} as value
    from totals
)

select * from final
