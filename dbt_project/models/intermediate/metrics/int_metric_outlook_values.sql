-- The outlook (docs/headroom-and-outlook.md): for every metric with a lag L, as-of day D and
-- j in 1 .. L, the window of D + j (window_end = D + j - L <= D) counted with the events as of
-- the end of D. Each metric's own query runs with the lags L - 1 .. 0 (outlook_series): the
-- same SQL as its int_metric_* model, no second implementation.
{%- set metrics = lagged_metrics() %}

with
{% for metric in metrics %}
{{ metric }}_outlook as (
    select *
    from (
        {{ lagged_metric_query(metric, outlook_series(lagged_metric_series(metric))) }}
    ) as {{ metric }}_values
),
{% endfor %}
unioned as (
    {%- for metric in metrics %}
    {%- set lag_days = lagged_metric_series(metric)[0].lag_days %}
    select
        as_of_date,
        -- the day whose window this is: window_end = outlook_date - lag
        {{ add_days('window_end', lag_days) }} as outlook_date,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        metric,
        window_days,
        window_start,
        window_end,
        numerator,
        denominator,
        value
    from {{ metric }}_outlook
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
