-- negative_feedback_rate: orders with a 1 or 2 star feedback (latest version) / orders,
-- by purchase day, in the odr window (60 days, lag 14), per channel.
{{ lagged_metric_query('negative_feedback_rate', lagged_metric_series('negative_feedback_rate')) }}
