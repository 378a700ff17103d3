-- odr (order defect rate): orders with a defect (negative feedback, counted A-to-z claim
-- or service chargeback; an order with several counts once) / orders, by purchase day, in a
-- 60-day window ending 14 days before the as-of day, per channel.
{{ lagged_metric_query('odr', lagged_metric_series('odr')) }}
