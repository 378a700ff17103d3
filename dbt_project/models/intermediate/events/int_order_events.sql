-- One row per order of `orders`, with the first UTC day of each of its events (docs/metrics.md,
-- "Order events"). An event of day e holds for every as-of day D >= e; only the late shipment
-- can end (when the order is cancelled), so it has a first and a last day. Events of an order
-- unknown to `orders` count nowhere: every event joins to this model's orders.
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'amazon_order_id']) }}

with

{% if is_incremental() -%}
-- every export that holds an event of an order
touched_orders as (
    {{ records_touched_since_last_build([
        {'export': 'orders', 'record_key': ['amazon_order_id', 'sku']},
        {'export': 'feedback', 'record_key': ['amazon_order_id']},
        {'export': 'claims', 'record_key': ['claim_id']},
        {'export': 'chargebacks', 'record_key': ['chargeback_id']},
        {'export': 'cancellations', 'record_key': ['amazon_order_id']},
        {'export': 'mfn_shipments', 'record_key': ['amazon_order_id']},
        {'export': 'return_requests', 'record_key': ['rma_id']},
        {'export': 'buyer_messages', 'record_key': ['message_id']},
    ]) }}
),
{%- endif %}

orders as (
    select * from {{ ref('int_orders') }} as orders
    {{ where_record_touched('orders') }}
),

feedback as (
    select * from {{ ref('stg_feedback__feedback') }}
),

claims as (
    select * from {{ ref('stg_claims__claims') }}
),

chargebacks as (
    select * from {{ ref('stg_chargebacks__chargebacks') }}
),

cancellations as (
    select * from {{ ref('stg_cancellations__cancellations') }}
),

shipments as (
    select * from {{ ref('int_mfn_shipment_events') }} as shipments
    {{ where_record_touched('shipments') }}
),

return_requests as (
    select * from {{ ref('int_return_request_outcomes') }} as return_requests
    {{ where_record_touched('return_requests') }}
),

messages as (
    select * from {{ ref('int_buyer_message_responses') }} as messages
    {{ where_record_touched('messages') }}
),

-- one feedback per order, in its latest version: 1 or 2 stars is negative
negative_feedback as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        feedback_date as negative_feedback_day
    from feedback
    where rating in (1, 2)
),

-- a claim counts by its latest status, from the day it was filed
counted_claims as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        min({{ day_of('filed_at') }}) as counted_claim_day
    from claims
    where status in ('OPEN', 'GRANTED')
    group by seller_id, marketplace_id, amazon_order_id
),

-- fraud chargebacks are not the seller's doing
service_chargebacks as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        min({{ day_of('filed_at') }}) as service_chargeback_day
    from chargebacks
    where chargeback_type = 'SERVICE'
    group by seller_id, marketplace_id, amazon_order_id
),

order_cancellations as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        {{ day_of('cancelled_at') }} as cancelled_day,
        -- Amazon cancels an order the seller did not confirm in time: the seller's doing too
        case
            when cancelled_by in ('SELLER', 'AMAZON') then {{ day_of('cancelled_at') }}
        end as seller_cancelled_day
    from cancellations
),

refunds as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        min(refunded_day) as refund_day
    from return_requests
    group by seller_id, marketplace_id, amazon_order_id
),

buyer_contacts as (
    select
        seller_id,
        marketplace_id,
        amazon_order_id,
        min(received_day) as buyer_contact_day,
        min(late_response_from_day) as late_response_day
    from messages
    where amazon_order_id is not null
    group by seller_id, marketplace_id, amazon_order_id
),

joined as (
    select
        orders.seller_id,
        orders.marketplace_id,
        orders.amazon_order_id,
        orders.purchase_date,
        orders.purchase_day,
        orders.fulfillment_channel,
        orders.order_status,
        orders.ship_service_level,
        orders.item_count,
        orders.skus,
        negative_feedback.negative_feedback_day,
        counted_claims.counted_claim_day,
        service_chargebacks.service_chargeback_day,
        order_cancellations.cancelled_day,
        order_cancellations.seller_cancelled_day,
        shipments.carrier,
        shipments.late_shipment_from_day,
        shipments.late_shipment_until_day,
        shipments.valid_tracking_day,
        refunds.refund_day,
        buyer_contacts.buyer_contact_day,
        buyer_contacts.late_response_day
    from orders
    left join negative_feedback
        on orders.seller_id = negative_feedback.seller_id
        and orders.marketplace_id = negative_feedback.marketplace_id
        and orders.amazon_order_id = negative_feedback.amazon_order_id
    left join counted_claims
        on orders.seller_id = counted_claims.seller_id
        and orders.marketplace_id = counted_claims.marketplace_id
        and orders.amazon_order_id = counted_claims.amazon_order_id
    left join service_chargebacks
        on orders.seller_id = service_chargebacks.seller_id
        and orders.marketplace_id = service_chargebacks.marketplace_id
        and orders.amazon_order_id = service_chargebacks.amazon_order_id
    left join order_cancellations
        on orders.seller_id = order_cancellations.seller_id
        and orders.marketplace_id = order_cancellations.marketplace_id
        and orders.amazon_order_id = order_cancellations.amazon_order_id
    left join shipments
        on orders.seller_id = shipments.seller_id
        and orders.marketplace_id = shipments.marketplace_id
        and orders.amazon_order_id = shipments.amazon_order_id
    left join refunds
        on orders.seller_id = refunds.seller_id
        and orders.marketplace_id = refunds.marketplace_id
        and orders.amazon_order_id = refunds.amazon_order_id
    left join buyer_contacts
        on orders.seller_id = buyer_contacts.seller_id
        and orders.marketplace_id = buyer_contacts.marketplace_id
        and orders.amazon_order_id = buyer_contacts.amazon_order_id
),

final as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        amazon_order_id,

        ---------- order
        purchase_date,
        purchase_day,
        fulfillment_channel,
        order_status,
        ship_service_level,
        item_count,
        skus,
        carrier,

        ---------- first day of each event (NULL: never)
        negative_feedback_day,
        counted_claim_day,
        service_chargeback_day,
        -- least() skips NULLs on DuckDB and Spark: the first of the three events
        least(negative_feedback_day, counted_claim_day, service_chargeback_day) as defect_day,
        cancelled_day,
        seller_cancelled_day,
        late_shipment_from_day,
        late_shipment_until_day,
        valid_tracking_day,
        refund_day,
        buyer_contact_day,
        late_response_day,

        {{ loaded_through_column() }}

    from joined
)

select * from final
