-- a_to_z_claim_rate: orders with a counted A-to-z claim (latest status OPEN or GRANTED) /
-- orders, by purchase day, in the odr window (60 days, lag 14), per channel.
{%- set series = [
    {'metric': 'a_to_z_claim_rate', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
    {'metric': 'a_to_z_claim_rate', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
] %}

{{ order_event_rate(series, 'counted_claim_day') }}
