-- One row per return request, with the days its outcome is known. A request is left out
-- (pending) while unanswered and at most 48 h old at the end of D: requested on day q, that is
-- D = q and D = q+1 (at the end of q+1 it is at most 48 h old; at the end of q+2 more than
-- 48 h). Exactly 48 h is in time.
with

return_requests as (
    select * from {{ ref('stg_return_requests__return_requests') }}
),

request_days as (
    select
        return_requests.*,
        {{ day_of('requested_at') }} as requested_day,
        {{ day_of('responded_at') }} as responded_day,
        {{ day_of('refunded_at') }} as refunded_day,
        responded_at is not null
        and responded_at <= {{ add_hours('requested_at', 48) }} as is_answered_within_48h,
        -- attributes, not events: as they are in the latest version, on every day
        (response = 'REJECTED' and coalesce(is_in_policy, false))
        or has_negative_return_feedback as is_negative_whenever_counted
    from return_requests
),

counted_days as (
    select
        request_days.*,
        case
            when responded_day <= requested_day then requested_day
            when responded_day <= {{ add_days('requested_day', 2) }} then responded_day
            else {{ add_days('requested_day', 2) }}
        end as not_pending_from_day
    from request_days
),

final as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        rma_id,
        amazon_order_id,

        ---------- request
        requested_at,
        responded_at,
        response,
        is_in_policy,
        has_negative_return_feedback,
        refunded_at,
        is_answered_within_48h,
        is_negative_whenever_counted,

        ---------- days
        requested_day,
        responded_day,
        refunded_day,
        not_pending_from_day,
        -- negative from the first counted day when rejected in policy or with negative feedback;
        -- else, when not answered within 48 h, from the day it is more than 48 h old
        case
            when is_negative_whenever_counted then not_pending_from_day
            when not is_answered_within_48h then {{ add_days('requested_day', 2) }}
        end as negative_from_day

    from counted_days
)

select * from final
