-- valid_tracking_rate: MFN orders with a tracking number and a first carrier scan on or before
-- the as-of day / MFN orders shipped, by the day of shipped-at, in a 30-day window ending 10
-- days before the as-of day. Orders come from mfn_shipments. Every order in the window was
-- shipped on or before window_end <= D, so "shipped on or before D" always holds there (for
-- the outlook's shorter lags too).
{{ lagged_metric_query('valid_tracking_rate', lagged_metric_series('valid_tracking_rate')) }}
