-- chargeback_rate: orders with a SERVICE chargeback / orders, by purchase day, in the odr
-- window (60 days, lag 14), per channel.
{%- set series = [
    {'metric': 'chargeback_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
    {'metric': 'chargeback_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
] %}

{{ order_event_rate(series, 'service_chargeback_day') }}
