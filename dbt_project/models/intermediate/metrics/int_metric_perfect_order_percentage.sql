-- perfect_order_percentage: perfect orders / orders, all channels, by purchase day, in the 90
-- days ending on the as-of day. A perfect order has none of: defect, seller cancellation, late
-- shipment, refund, buyer contact (as of D). All but the late shipment last once they happen;
-- a late shipment ends when the order is cancelled (see int_mfn_shipment_events), so an order
-- can be perfect again. The imperfect days are the union of a ray [first lasting event, ...)
-- and the late-shipment interval [a, b]; by inclusion-exclusion the perfect days are the
-- window minus the ray, minus [a, b], plus their overlap.
{%- set series = [
    {'metric': 'perfect_order_percentage', 'fulfillment_channel': 'ALL', 'window_days': 90, 'lag_days': 0},
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
        -- least() skips NULLs on DuckDB and Spark: the first of the lasting events
        least(defect_day, seller_cancelled_day, refund_day, buyer_contact_day) as imperfect_from_day,
        late_shipment_from_day,
        late_shipment_until_day,
        count(*) as orders
    from orders
    group by
        seller_id,
        marketplace_id,
        purchase_day,
        least(defect_day, seller_cancelled_day, refund_day, buyer_contact_day),
        late_shipment_from_day,
        late_shipment_until_day
),

windows as (
    {{ series_windows('cohorts', 'purchase_day', series) }}
),

-- a late shipment not ended by a cancellation lasts to the end of the window
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
        orders as numerator,
        0 as value_sum
    from bounded_windows
    union all
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(imperfect_from_day, window_first_day) as valid_from,
        window_last_day as valid_to,
        0 as denominator,
        -orders as numerator,
        0 as value_sum
    from bounded_windows
    where imperfect_from_day is not null
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
        -orders as numerator,
        0 as value_sum
    from bounded_windows
    where late_shipment_from_day is not null
    union all
    -- days both imperfect for good and late were subtracted twice
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        lag_days,
        greatest(imperfect_from_day, late_shipment_from_day, window_first_day) as valid_from,
        late_shipment_last_day as valid_to,
        0 as denominator,
        orders as numerator,
        0 as value_sum
    from bounded_windows
    where imperfect_from_day is not null
        and late_shipment_from_day is not null
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
