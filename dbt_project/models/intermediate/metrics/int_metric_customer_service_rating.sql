-- customer_service_rating: 10 x YES answers / answers, on 0 to 10, over the same threads as
-- customer_service_dissatisfaction_rate (latest answer per thread, 28 days). Below 40 answers
-- there is no value (NO_DATA), though numerator and denominator are filled.
{%- set minimum_answers = 40 %}
{%- set series = [
    {'metric': 'customer_service_rating', 'fulfillment_channel': 'ALL', 'window_days': 28, 'lag_days': 0},
] %}

{{ thread_answer_rate(series, "case when answer = 'YES' then 10 * answers else 0 end", minimum_answers) }}
