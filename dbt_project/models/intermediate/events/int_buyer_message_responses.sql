-- One row per buyer message, with the days its response outcome is known. A message is
-- pending (neither on time nor late) while it has no reply and is at most 24 h old at the end
-- of D: received on day r, it is at most 24 h old at the end of r (received_at >= r 00:00, so
-- D+1 00:00 - received_at <= 24 h) and more than 24 h old at the end of r+1. So it leaves
-- pending on its reply day if that is r or r+1, else on r+1. Exactly 24 h is on time.
--
-- Incremental (macros/incremental.sql): a night rebuilds the messages that rows loaded since the
-- last build touch, so its cost does not grow with the history kept.
{{ per_record_incremental_config(['seller_id', 'marketplace_id', 'message_id']) }}

with

{% if is_incremental() -%}
touched_messages as (
    {{ records_touched_since_last_build(
        [{'export': 'buyer_messages', 'record_key': ['message_id']}], key=['message_id']
    ) }}
),
{%- endif %}

messages as (
    select * from {{ ref('stg_buyer_messages__messages') }} as messages
    {{ where_record_touched('messages', 'touched_messages', key=['message_id']) }}
),

message_days as (
    select
        messages.*,
        {{ day_of('received_at') }} as received_day,
        {{ day_of('responded_at') }} as responded_day,
        responded_at is not null
        and responded_at <= {{ add_hours('received_at', 24) }} as is_answered_within_24h
    from messages
),

final as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        message_id,
        thread_id,
        amazon_order_id,

        ---------- message
        received_at,
        responded_at,
        is_no_response_needed,
        is_answered_within_24h,
        {{ hours_between('received_at', 'responded_at') }} as response_hours,

        ---------- days
        received_day,
        responded_day,
        -- first as-of day on which the message is not pending (a reply dated before its
        -- receipt, bad data, counts from the receipt day)
        case
            when responded_day <= received_day then received_day
            when responded_day = {{ add_days('received_day', 1) }} then responded_day
            else {{ add_days('received_day', 1) }}
        end as not_pending_from_day,
        -- a late response (for a message that needs one): once late, a message stays late,
        -- because a later reply is a reply after more than 24 h
        case
            when not is_no_response_needed and not is_answered_within_24h
                then {{ add_days('received_day', 1) }}
        end as late_response_from_day,

        ---------- build
        {{ loaded_through_column() }}

    from message_days
)

select * from final
