-- One row per return request with the days its outcome is known and the order's SKUs, carrier
-- and ship-service level: the drill-down behind return_dissatisfaction_rate (which returns made
-- it, and why). A view over int_return_request_outcomes (built incrementally), like fct_orders.
{{ config(materialized='view') }}

with

outcomes as (
    select * from {{ ref('int_return_request_outcomes') }}
),

order_events as (
    select * from {{ ref('int_order_events') }}
),

final as (
    select
        ---------- ids
        outcomes.seller_id,
        outcomes.marketplace_id,
        outcomes.rma_id,
        outcomes.amazon_order_id,

        ---------- request
        outcomes.requested_day as requested_date,
        outcomes.requested_at,
        outcomes.responded_at,
        outcomes.response,
        outcomes.is_in_policy,
        outcomes.has_negative_return_feedback,
        outcomes.is_answered_within_48h,

        ---------- why it is negative (the first that applies)
        case
            when outcomes.response = 'REJECTED' and outcomes.is_in_policy then 'rejected in policy'
            when outcomes.has_negative_return_feedback then 'negative return feedback'
            when not outcomes.is_answered_within_48h then 'not answered within 48 h'
        end as negative_reason,

        ---------- days
        outcomes.not_pending_from_day,
        outcomes.negative_from_day,
        outcomes.refunded_day,

        ---------- the order
        order_events.fulfillment_channel,
        order_events.skus,
        order_events.carrier,
        order_events.ship_service_level

    from outcomes
    left join order_events
        on outcomes.seller_id = order_events.seller_id
        and outcomes.marketplace_id = order_events.marketplace_id
        and outcomes.amazon_order_id = order_events.amazon_order_id
)

select * from final
