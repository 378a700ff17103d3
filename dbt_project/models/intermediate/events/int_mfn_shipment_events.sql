-- One row per seller-fulfilled order of mfn_shipments (whether or not it is in `orders`: the
-- shipping metrics take their orders from this export), with the UTC days of its shipping
-- events. An event on day e counts for every as-of day D >= e (its timestamp < D+1 00:00).
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'amazon_order_id']) }}

with

{% if is_incremental() -%}
touched_orders as (
    {{ records_touched_since_last_build([
        {'export': 'mfn_shipments', 'record_key': ['amazon_order_id']},
        {'export': 'cancellations', 'record_key': ['amazon_order_id']},
    ]) }}
),
{%- endif %}

shipments as (
    select * from {{ ref('stg_mfn_shipments__shipments') }} as shipments
    {{ where_record_touched('shipments') }}
),

cancellations as (
    select * from {{ ref('stg_cancellations__cancellations') }}
),

shipment_days as (
    select
        shipments.seller_id,
        shipments.marketplace_id,
        shipments.amazon_order_id,
        shipments.carrier,
        shipments.tracking_number,
        shipments.latest_ship_date,
        shipments.latest_delivery_date,
        shipments.shipped_at,
        shipments.first_scan_at,
        shipments.delivered_at,
        {{ day_of('shipments.latest_ship_date') }} as ship_by_day,
        {{ day_of('shipments.latest_delivery_date') }} as deliver_by_day,
        {{ day_of('shipments.shipped_at') }} as shipped_day,
        {{ day_of('cancellations.cancelled_at') }} as cancelled_day,
        -- late for every D from the ship-by day on: either still unshipped at the end of D or
        -- shipped after the deadline (a shipment on time is shipped before the end of that day)
        shipments.shipped_at is null
        or shipments.shipped_at > shipments.latest_ship_date as is_shipped_late
    from shipments
    left join cancellations
        on shipments.seller_id = cancellations.seller_id
        and shipments.marketplace_id = cancellations.marketplace_id
        and shipments.amazon_order_id = cancellations.amazon_order_id
),

final as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        amazon_order_id,

        ---------- shipment
        carrier,
        tracking_number,
        latest_ship_date,
        latest_delivery_date,
        shipped_at,
        first_scan_at,
        delivered_at,

        ---------- days
        ship_by_day,
        deliver_by_day,
        shipped_day,
        -- any cancellation, whoever cancelled: a cancelled order leaves the late shipment population
        cancelled_day,
        is_shipped_late,
        -- a late shipment is one from the ship-by day until the day before its cancellation
        case
            when is_shipped_late and (cancelled_day is null or cancelled_day > ship_by_day)
                then ship_by_day
        end as late_shipment_from_day,
        case
            when is_shipped_late and cancelled_day > ship_by_day
                then {{ add_days('cancelled_day', -1) }}
        end as late_shipment_until_day,
        -- valid tracking: a tracking number and a first carrier scan on or before D
        case
            when tracking_number is not null then {{ day_of('first_scan_at') }}
        end as valid_tracking_day,
        -- delivered not later than promised; it counts from its delivery day
        case
            when delivered_at <= latest_delivery_date then {{ day_of('delivered_at') }}
        end as delivered_on_time_day,

        {{ loaded_through_column() }}

    from shipment_days
)

select * from final
