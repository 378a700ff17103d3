-- One row per order (seller, marketplace, amazon_order_id) with its event flags as of the
-- latest loaded day of its seller-marketplace (its last as-of day), its order quality points
-- then, its SKUs and carrier: the drill-down behind the metrics (which SKU, carrier or channel
-- drives the defects).
--
-- A view: its flags are as of the latest loaded day, which moves every night, so a table would be
-- rewritten whole every night; the view reads int_order_events (built incrementally) instead.
{{ config(materialized='view') }}

with

order_events as (
    select * from {{ ref('int_order_events') }}
),

spans as (
    select * from {{ ref('int_seller_marketplace_spans') }}
),

as_of_latest as (
    select
        order_events.*,
        spans.last_as_of_date as as_of_date
    from order_events
    left join spans
        on order_events.seller_id = spans.seller_id
        and order_events.marketplace_id = spans.marketplace_id
),

-- an event of day e holds on the as-of day D when e <= D; a late shipment until its end
flags as (
    select
        as_of_latest.*,
        coalesce(negative_feedback_day <= as_of_date, false) as has_negative_feedback,
        coalesce(counted_claim_day <= as_of_date, false) as has_counted_claim,
        coalesce(service_chargeback_day <= as_of_date, false) as has_service_chargeback,
        coalesce(defect_day <= as_of_date, false) as is_defect,
        coalesce(cancelled_day <= as_of_date, false) as is_cancelled,
        coalesce(seller_cancelled_day <= as_of_date, false) as is_seller_cancelled,
        coalesce(
            late_shipment_from_day <= as_of_date
            and (late_shipment_until_day is null or late_shipment_until_day >= as_of_date),
            false
        ) as is_late_shipment,
        coalesce(valid_tracking_day <= as_of_date, false) as has_valid_tracking,
        coalesce(refund_day <= as_of_date, false) as is_refunded,
        coalesce(buyer_contact_day <= as_of_date, false) as has_buyer_contact,
        coalesce(late_response_day <= as_of_date, false) as has_late_response
    from as_of_latest
),

final as (
    select
        ---------- ids
        flags.seller_id,
        flags.marketplace_id,
        flags.amazon_order_id,

        ---------- order
        -- docs/metrics.md: an order's purchase_date is the UTC date of purchase-date
        flags.purchase_day as purchase_date,
        flags.purchase_date as purchased_at,
        flags.fulfillment_channel,
        flags.order_status,
        flags.item_count,
        flags.skus,
        flags.carrier,
        flags.ship_service_level,

        ---------- events as of the latest loaded day
        flags.as_of_date,
        flags.has_negative_feedback,
        flags.has_counted_claim,
        flags.has_service_chargeback,
        flags.is_defect,
        flags.is_cancelled,
        flags.is_seller_cancelled,
        flags.is_late_shipment,
        flags.has_valid_tracking,
        flags.is_refunded,
        flags.has_buyer_contact,
        flags.has_late_response,
        -- sqlfluff's duckdb dialect reads `not (` as a function call
        not (  -- noqa: LT01, LT06
            flags.is_defect
            or flags.is_seller_cancelled
            or flags.is_late_shipment
            or flags.is_refunded
            or flags.has_buyer_contact
        ) as is_perfect,
        case
            when flags.is_defect then -500
            when flags.is_late_shipment or flags.is_seller_cancelled or flags.has_late_response then 0
            else 100
        end as order_quality_points,

        ---------- the first day of each event (NULL: none), for a view as of an earlier day
        flags.negative_feedback_day,
        flags.counted_claim_day,
        flags.service_chargeback_day,
        flags.defect_day,
        flags.cancelled_day,
        flags.seller_cancelled_day,
        flags.late_shipment_from_day,
        flags.late_shipment_until_day,
        flags.valid_tracking_day,
        flags.refund_day,
        flags.buyer_contact_day,
        flags.late_response_day

    from flags
)

select * from final
