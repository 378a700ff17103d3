-- odr_long (long-term order defect rate): as odr, in a 90-day window ending 30 days
-- before the as-of day, per channel.
{{ lagged_metric_query('odr_long', lagged_metric_series('odr_long')) }}
