-- The outlook (docs/headroom-and-outlook.md): for every metric with a lag L, as-of day D and
-- j in 1 .. L, the window of D + j (window_end = D + j - L <= D) counted with the events as of
-- the end of D. Each metric's own query runs with the lags L - 1 .. 0 (outlook_series): the
-- same SQL as its int_metric_* model, no second implementation.
--
-- Incremental (macros/incremental.sql): a build recomputes, per seller-marketplace, the as-of days
-- after its last built one, and every as-of day from the earliest date of an order or shipment
-- that rows loaded since the last build touch. An entity dated c (purchase, shipped or
-- deliver-by day) is in no window of an as-of day before c (window_end <= D), so earlier days
-- cannot change; every version's date counts, as a later version may have moved it.
{#- on Spark a table rebuilt in full on every run (macros/incremental.sql) -#}
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'as_of_date']) }}
{%- set metrics = lagged_metrics() %}

with

{% if is_incremental() -%}
-- every export that holds an event of an order or a shipment (as int_order_events)
touched_orders as (
    {{ records_touched_since_last_build([
        {'export': 'orders', 'record_key': ['amazon_order_id', 'sku']},
        {'export': 'feedback', 'record_key': ['amazon_order_id']},
        {'export': 'claims', 'record_key': ['claim_id']},
        {'export': 'chargebacks', 'record_key': ['chargeback_id']},
        {'export': 'cancellations', 'record_key': ['amazon_order_id']},
        {'export': 'mfn_shipments', 'record_key': ['amazon_order_id']},
    ]) }}
),

touched_dates as (
    select orders.seller_id, orders.marketplace_id, {{ day_of('orders.purchase_date') }} as changed_day
    from {{ source('raw', 'orders') }} as orders
    {{ where_record_touched('orders') }}
    union all
    select shipments.seller_id, shipments.marketplace_id, {{ day_of('shipments.shipped_at') }} as changed_day
    from {{ source('raw', 'mfn_shipments') }} as shipments
    {{ where_record_touched('shipments') }}
    union all
    select shipments.seller_id, shipments.marketplace_id, {{ day_of('shipments.latest_delivery_date') }} as changed_day
    from {{ source('raw', 'mfn_shipments') }} as shipments
    {{ where_record_touched('shipments') }}
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
