-- negative_feedback_rate: orders with a 1 or 2 star feedback (latest version) / orders,
-- by purchase day, in the odr window (60 days, lag 14), per channel.
{%- set series = [
    {'metric': 'negative_feedback_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
    {'metric': 'negative_feedback_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
] %}

{{ order_event_rate(series, 'negative_feedback_day') }}
