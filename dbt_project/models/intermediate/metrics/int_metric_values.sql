-- Every metric model's rows in one relation: one row per seller x marketplace x channel x
-- metric x window x as-of day. The metrics are those of seeds/metric_catalog.csv, each from its
-- model int_metric_<metric>; dbt needs their names before it reads the seed, so they are listed
-- here too, and the build stops, saying what to change, when this list, the models and the
-- catalogue disagree (macros/metric_catalog.sql). seller_metrics_daily adds targets and status.
-- depends_on: {{ ref('metric_catalog') }}
{%- set metrics = [
    'odr',
    'odr_long',
    'negative_feedback_rate',
    'a_to_z_claim_rate',
    'chargeback_rate',
    'cancel_rate',
    'late_shipment_rate',
    'valid_tracking_rate',
    'on_time_delivery_rate',
    'response_within_24h_rate',
    'avg_response_hours',
    'customer_service_dissatisfaction_rate',
    'customer_service_rating',
    'return_dissatisfaction_rate',
    'perfect_order_percentage',
    'order_quality_score',
] %}
{{- check_metric_catalog(metrics) }}

with

unioned as (
    {%- for metric in metrics %}
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
    from {{ ref('int_metric_' ~ metric) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
