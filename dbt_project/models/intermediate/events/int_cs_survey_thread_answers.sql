-- One row per survey answer, with the as-of days on which it is its thread's latest answer:
-- from its answer day until the day before the thread's next answer (ties in answered_at in
-- version order: dt, file key, line). An answer followed by another the same day is never
-- the latest at the end of a day.
with

answers as (
    select * from {{ ref('stg_cs_surveys__answers') }}
),

ordered_answers as (
    select
        answers.*,
        {{ day_of('answered_at') }} as answered_day,
        lead({{ day_of('answered_at') }}) over (
            partition by seller_id, marketplace_id, thread_id
            order by answered_at, dt, _source_key, _line_number
        ) as next_answer_day
    from answers
),

final as (
    select
        ---------- ids
        seller_id,
        marketplace_id,
        survey_id,
        thread_id,
        amazon_order_id,

        ---------- answer
        answered_at,
        answer,

        ---------- days
        answered_day,
        {{ add_days('next_answer_day', -1) }} as latest_until_day

    from ordered_answers
)

select * from final
