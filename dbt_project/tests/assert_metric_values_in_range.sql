-- The non-rate values stay in their scales: customer_service_rating on 0 to 10,
-- order_quality_score between -500 and 100 points, avg_response_hours not negative.
with

metrics as (
    select * from {{ ref('seller_metrics_daily') }}
),

out_of_range as (
    select *
    from metrics
    where (metric = 'customer_service_rating' and (value < 0 or value > 10))
        or (metric = 'order_quality_score' and (value < -500 or value > 100))
        or (metric = 'avg_response_hours' and value < 0)
)

select * from out_of_range
