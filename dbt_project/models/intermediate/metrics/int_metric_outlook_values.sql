-- The outlook (docs/headroom-and-outlook.md): for every metric with a lag L, as-of day D and
-- j in 1 .. L, the window of D + j (window_end = D + j - L <= D) counted with the events as of
-- the end of D. Each metric's own query runs with the lags L - 1 .. 0 (outlook_series): the
-- same SQL as its int_metric_* model, no second implementation.
--
-- Incremental (macros/incremental.sql): a build recomputes, per seller-marketplace, the as-of days
-- after its last built one, and every as-of day from the earliest day a record that rows loaded
-- since the last build touch can change. An order dated c (purchase day) or a shipment (ship or
-- deliver-by day) is in no window of an as-of day before c (window_end <= D); an event of day e
-- (feedback, claim, chargeback, cancellation) changes a numerator only from e on. So earlier
-- days cannot change; every version's day counts, as a later version may have moved it.
{#- on Spark a table rebuilt in full on every run (macros/incremental.sql) -#}
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'as_of_date']) }}
{%- set metrics = lagged_metrics() %}

with

{% if is_incremental() -%}
-- the first as-of day each changed record can move, from every version of it: an order's windows
-- open on its purchase day, a shipment's on its ship or deliver-by day, and an event (a feedback,
-- claim, chargeback or cancellation) counts from its own day on, so an old order that gets a
-- claim tonight changes only the as-of days from the claim's day (docs/headroom-and-outlook.md)
touched_dates as (
    -- keyed by the order, not the item: every version of every item of a touched order
    {{ days_of_records_touched_since_last_build(
        'orders', ['amazon_order_id'], day_of('versions.purchase_date')) }}
    union all
    -- least() skips NULLs on DuckDB and Spark
    {{ days_of_records_touched_since_last_build(
        'mfn_shipments', ['amazon_order_id'],
        'least(' ~ day_of('versions.shipped_at') ~ ', ' ~ day_of('versions.latest_delivery_date') ~ ')') }}
    union all
    {{ days_of_records_touched_since_last_build('feedback', ['amazon_order_id'], 'versions.feedback_date') }}
    union all
    {{ days_of_records_touched_since_last_build('claims', ['claim_id'], day_of('versions.filed_at')) }}
    union all
    {{ days_of_records_touched_since_last_build('chargebacks', ['chargeback_id'], day_of('versions.filed_at')) }}
    union all
    {{ days_of_records_touched_since_last_build('cancellations', ['amazon_order_id'], day_of('versions.cancelled_at')) }}
),

first_changed_days as (
    select seller_id, marketplace_id, min(changed_day) as first_changed_day
    from touched_dates
    group by seller_id, marketplace_id
),

built_through_days as (
    select seller_id, marketplace_id, max(as_of_date) as built_through
    from {{ this }}
    group by seller_id, marketplace_id
),
{%- endif %}

outlook_days as (
    select
        days.seller_id,
        days.marketplace_id,
        days.as_of_date
    from {{ ref('int_seller_marketplace_days') }} as days
    {%- if is_incremental() %}
    left join first_changed_days
        on days.seller_id = first_changed_days.seller_id
        and days.marketplace_id = first_changed_days.marketplace_id
    left join built_through_days
        on days.seller_id = built_through_days.seller_id
        and days.marketplace_id = built_through_days.marketplace_id
    where built_through_days.built_through is null
        or days.as_of_date > built_through_days.built_through
        or days.as_of_date >= first_changed_days.first_changed_day
    {%- endif %}
),
{% for metric in metrics %}
{{ metric }}_outlook as (
    select *
    from (
        {{ lagged_metric_query(metric, outlook_series(lagged_metric_series(metric)), 'outlook_days') }}
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
),

final as (
    select
        unioned.*,
        {{ loaded_through_column() }}
    from unioned
)

select * from final
