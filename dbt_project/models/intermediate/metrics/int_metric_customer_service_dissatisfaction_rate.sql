-- customer_service_dissatisfaction_rate: NO answers / answers, over the threads whose latest
-- survey answer on or before the as-of day was given in the 28 days ending on it. A thread's
-- answer counts from its day until the day before the thread's next answer (see
-- int_cs_survey_thread_answers).
{%- set series = [
    {'metric': 'customer_service_dissatisfaction_rate', 'fulfillment_channel': 'ALL', 'window_days': 28, 'lag_days': 0},
] %}

{{ thread_answer_rate(series, "case when answer = 'NO' then answers else 0 end") }}
