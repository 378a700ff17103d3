-- a_to_z_claim_rate: orders with a counted A-to-z claim (latest status OPEN or GRANTED) /
-- orders, by purchase day, in the odr window (60 days, lag 14), per channel.
{{ lagged_metric_query('a_to_z_claim_rate', lagged_metric_series('a_to_z_claim_rate')) }}
