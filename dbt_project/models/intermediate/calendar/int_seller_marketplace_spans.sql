-- One row per seller-marketplace with orders: the first and last as-of day of its metrics, from
-- the UTC date of its first order's purchase (even before its first dt) to its latest dt over
-- all its exports (docs/metrics.md, grain and as-of rule). A seller-marketplace with no order has no
-- as-of day: its metrics have no first day.
with

orders as (
    select * from {{ ref('int_orders') }}
),

loaded_days as (
    select * from {{ ref('stg_exports__loaded_days') }}
),

first_orders as (
    select
        seller_id,
        marketplace_id,
        min(purchase_day) as first_as_of_date
    from orders
    group by seller_id, marketplace_id
),

last_loads as (
    select
        seller_id,
        marketplace_id,
        max(dt) as last_as_of_date
    from loaded_days
    group by seller_id, marketplace_id
),

final as (
    select
        first_orders.seller_id,
        first_orders.marketplace_id,
        first_orders.first_as_of_date,
        last_loads.last_as_of_date
    from first_orders
    inner join last_loads
        on first_orders.seller_id = last_loads.seller_id
        and first_orders.marketplace_id = last_loads.marketplace_id
    where first_orders.first_as_of_date <= last_loads.last_as_of_date
)

select * from final
