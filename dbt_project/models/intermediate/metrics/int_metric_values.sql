-- Every metric model's rows in one relation: one row per seller x marketplace x channel x
-- metric x window x as-of day. A new metric model is added to this list (and nowhere else in
-- SQL); seller_metrics_daily adds targets and status.
{%- set metric_models = [
    'int_metric_odr',
    'int_metric_odr_long',
    'int_metric_negative_feedback_rate',
    'int_metric_a_to_z_claim_rate',
    'int_metric_chargeback_rate',
    'int_metric_cancel_rate',
    'int_metric_late_shipment_rate',
    'int_metric_valid_tracking_rate',
    'int_metric_on_time_delivery_rate',
    'int_metric_response_within_24h_rate',
    'int_metric_avg_response_hours',
    'int_metric_customer_service_dissatisfaction_rate',
    'int_metric_customer_service_rating',
    'int_metric_return_dissatisfaction_rate',
    'int_metric_perfect_order_percentage',
    'int_metric_order_quality_score',
] %}

with

unioned as (
    {%- for metric_model in metric_models %}
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
        value
    from {{ ref(metric_model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
