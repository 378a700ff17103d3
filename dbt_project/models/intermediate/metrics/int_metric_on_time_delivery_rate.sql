-- on_time_delivery_rate: MFN orders delivered on or before the as-of day and not later than
-- their latest-delivery-date / MFN orders with valid tracking as of the as-of day, by the day
-- of latest-delivery-date, in a 14-day window ending 7 days before the as-of day. Orders come
-- from mfn_shipments; an order enters the population on its first scan's day.
{{ lagged_metric_query('on_time_delivery_rate', lagged_metric_series('on_time_delivery_rate')) }}
