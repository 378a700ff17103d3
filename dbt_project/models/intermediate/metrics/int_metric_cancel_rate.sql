-- cancel_rate: MFN orders cancelled by the seller (or by Amazon, for want of confirmation)
-- / MFN orders, by purchase day, in the 7 days ending on the as-of day. A buyer's
-- cancellation is not the seller's doing and does not count.
{%- set series = [
    {'metric': 'cancel_rate', 'fulfillment_channel': 'MFN', 'window_days': 7, 'lag_days': 0},
] %}

{{ order_event_rate(series, 'seller_cancelled_day') }}
