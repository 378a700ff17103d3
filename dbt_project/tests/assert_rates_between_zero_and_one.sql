-- Rates are fractions (docs/metrics.md): a rate's value outside [0, 1] means a numerator counted an
-- entity outside its population. Ratings and means have their own ranges.
with

metrics as (
    select * from {{ ref('seller_metrics_daily') }}
),

out_of_range as (
    select *
    from metrics
    where metric not in ('avg_response_hours', 'order_quality_score', 'customer_service_rating')
        and (value < 0 or value > 1)
)

select * from out_of_range
