{#
    The metrics with a lag (window_end = D - lag, lag > 0): their series, read by their own
    int_metric_* model and by the outlook (int_metric_outlook_values), and the query that counts
    each. Because the lag is only a parameter of the query, a series run with a shorter lag L - j
    gives, on as-of day D, the window of D + j counted with the events as of D: the outlook
    (docs/headroom-and-outlook.md).
#}

{% macro lagged_metric_series(metric) -%}
    {%- set series = {
        'odr': [
            {'metric': 'odr', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
            {'metric': 'odr', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
        ],
        'odr_long': [
            {'metric': 'odr_long', 'fulfillment_channel': 'MFN', 'window_days': 90, 'lag_days': 30},
            {'metric': 'odr_long', 'fulfillment_channel': 'AFN', 'window_days': 90, 'lag_days': 30},
        ],
        'negative_feedback_rate': [
            {'metric': 'negative_feedback_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
            {'metric': 'negative_feedback_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
        ],
        'a_to_z_claim_rate': [
            {'metric': 'a_to_z_claim_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
            {'metric': 'a_to_z_claim_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
        ],
        'chargeback_rate': [
            {'metric': 'chargeback_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
            {'metric': 'chargeback_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
        ],
        'valid_tracking_rate': [
            {'metric': 'valid_tracking_rate', 'fulfillment_channel': 'MFN', 'window_days': 30, 'lag_days': 10},
        ],
        'on_time_delivery_rate': [
            {'metric': 'on_time_delivery_rate', 'fulfillment_channel': 'MFN', 'window_days': 14, 'lag_days': 7},
        ],
    } -%}
    {{ return(series[metric]) }}
{%- endmacro %}

{# The lagged metrics, in the order of the scorecard. #}
{% macro lagged_metrics() -%}
    {{ return([
        'odr', 'odr_long', 'negative_feedback_rate', 'a_to_z_claim_rate', 'chargeback_rate',
        'valid_tracking_rate', 'on_time_delivery_rate',
    ]) }}
{%- endmacro %}

{#
    The query of a lagged metric over `series` (its own, or outlook_series of it), on the as-of
    days of `as_of_days` (default: all of int_seller_marketplace_days).
#}
{% macro lagged_metric_query(metric, series, as_of_days=none) -%}
    {%- set order_event_days = {
        'odr': 'defect_day',
        'odr_long': 'defect_day',
        'negative_feedback_rate': 'negative_feedback_day',
        'a_to_z_claim_rate': 'counted_claim_day',
        'chargeback_rate': 'service_chargeback_day',
    } -%}
    {%- if metric in order_event_days -%}
        {{ order_event_rate(series, order_event_days[metric], as_of_days) }}
    {%- elif metric == 'valid_tracking_rate' -%}
        {{ valid_tracking_rate(series, as_of_days) }}
    {%- elif metric == 'on_time_delivery_rate' -%}
        {{ on_time_delivery_rate(series, as_of_days) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('not a lagged metric: ' ~ metric) }}
    {%- endif -%}
{%- endmacro %}

{#
    The outlook's series of `series`: for each series with lag L > 0, the same metric, channel and
    window with lag L - j for every j in 1 .. L (the days D + 1 .. D + L seen from D).
#}
{% macro outlook_series(series) -%}
    {%- set outlook = [] -%}
    {%- for item in series if item.lag_days > 0 -%}
        {%- for days_ahead in range(1, item.lag_days + 1) -%}
            {%- do outlook.append({
                'metric': item.metric,
                'fulfillment_channel': item.fulfillment_channel,
                'window_days': item.window_days,
                'lag_days': item.lag_days - days_ahead,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(outlook) }}
{%- endmacro %}
