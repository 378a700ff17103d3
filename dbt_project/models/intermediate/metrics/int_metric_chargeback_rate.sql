-- chargeback_rate: orders with a SERVICE chargeback / orders, by purchase day, in the odr
-- window (60 days, lag 14), per channel.
{{ lagged_metric_query('chargeback_rate', lagged_metric_series('chargeback_rate')) }}
