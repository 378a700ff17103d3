-- One row per seller-marketplace and as-of day: the days every metric has a row for.
with

spans as (
    select * from {{ ref('int_seller_marketplace_spans') }}
),

days as (
    {{ days_between(
        'spans', ['seller_id', 'marketplace_id'], 'first_as_of_date', 'last_as_of_date', 'as_of_date'
    ) }}
),

final as (
    select * from days
)

select * from final
