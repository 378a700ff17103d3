-- odr_long (long-term order defect rate): as odr, in a 90-day window ending 30 days
-- before the as-of day, per channel.
{%- set series = [
    {'metric': 'odr_long', 'fulfillment_channel': 'MFN', 'window_days': 90, 'lag_days': 30},
    {'metric': 'odr_long', 'fulfillment_channel': 'AFN', 'window_days': 90, 'lag_days': 30},
] %}

{{ order_event_rate(series, 'defect_day') }}
