-- odr (order defect rate): orders with a defect (negative feedback, counted A-to-z claim
-- or service chargeback; an order with several counts once) / orders, by purchase day, in a
-- 60-day window ending 14 days before the as-of day, per channel.
{%- set series = [
    {'metric': 'odr', 'fulfillment_channel': 'MFN', 'window_days': 60, 'lag_days': 14},
    {'metric': 'odr', 'fulfillment_channel': 'AFN', 'window_days': 60, 'lag_days': 14},
] %}

{{ order_event_rate(series, 'defect_day') }}
