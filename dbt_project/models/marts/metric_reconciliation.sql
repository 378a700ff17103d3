-- Amazon's figures beside sellerhealth's (docs/amazon-view.md): for each snapshot entry that
-- sellerhealth also computes (seeds/amazon_metrics.csv), the same population recomputed over
-- Amazon's exact range [reporting_date_from, reporting_date_to], as of the day before the
-- snapshot (events before dt 00:00 UTC count). The populations and events are those of the
-- metric models: the per-order days of the event models (int_order_events,
-- int_mfn_shipment_events), counted here over a range instead of a window.
{#-
    Which event model day column holds each metric's event, as in the metric models
    (int_metric_<metric>.sql pass the same column to order_event_rate).
-#}
{%- set order_metrics = [
    ('odr', 'defect_day'),
    ('negative_feedback_rate', 'negative_feedback_day'),
    ('a_to_z_claim_rate', 'counted_claim_day'),
    ('chargeback_rate', 'service_chargeback_day'),
    ('cancel_rate', 'seller_cancelled_day'),
] %}

with

snapshots as (
    select * from {{ ref('amazon_account_health') }}
),

amazon_metrics as (
    select * from {{ ref('amazon_metrics') }}
),

order_events as (
    select * from {{ ref('int_order_events') }}
),

shipment_events as (
    select * from {{ ref('int_mfn_shipment_events') }}
),

loaded_files as (
    select * from {{ ref('stg_exports__loaded_files') }}
),

entries as (
    select
        snapshots.seller_id,
        snapshots.marketplace_id,
        snapshots.snapshot_date,
        snapshots.amazon_metric,
        -- the order defect rate and its parts per afn / mfn key; the other entries are MFN metrics
        case
            when snapshots.fulfillment_channel in ('AFN', 'MFN') then snapshots.fulfillment_channel
            else 'MFN'
        end as fulfillment_channel,
        amazon_metrics.metric,
        amazon_metrics.population_export,
        snapshots.reporting_date_from,
        snapshots.reporting_date_to,
        {{ add_days('snapshots.snapshot_date', -1) }} as as_of_date,
        snapshots.population_count as amazon_denominator,
        snapshots.event_count as amazon_numerator,
        snapshots.rate,
        snapshots.target_value,
        snapshots.target_condition,
        snapshots.status as amazon_status
    from snapshots
    inner join amazon_metrics
        on snapshots.amazon_metric = amazon_metrics.amazon_metric
),

-- Orders grouped by what decides their membership: in the population from member_from_day to
-- member_until_day (NULL: no bound), an event from event_day on (NULL: never).
cohorts as (
    {% for metric, event_column in order_metrics %}
    select
        '{{ metric }}' as metric,
        seller_id,
        marketplace_id,
        fulfillment_channel,
        purchase_day as population_day,
        purchase_day as member_from_day,
        cast(null as date) as member_until_day,
        {{ event_column }} as event_day,
        count(*) as orders
    from order_events
    group by seller_id, marketplace_id, fulfillment_channel, purchase_day, {{ event_column }}
    union all
    {% endfor %}
    -- late shipments: by ship-by day, out of the population from the day of a cancellation on
    select
        'late_shipment_rate' as metric,
        seller_id,
        marketplace_id,
        'MFN' as fulfillment_channel,
        ship_by_day as population_day,
        cast(null as date) as member_from_day,
        {{ add_days('cancelled_day', -1) }} as member_until_day,
        late_shipment_from_day as event_day,
        count(*) as orders
    from shipment_events
    group by seller_id, marketplace_id, ship_by_day, cancelled_day, late_shipment_from_day
    union all
    -- valid tracking: shipments by ship day, valid from the first scan
    select
        'valid_tracking_rate' as metric,
        seller_id,
        marketplace_id,
        'MFN' as fulfillment_channel,
        shipped_day as population_day,
        shipped_day as member_from_day,
        cast(null as date) as member_until_day,
        valid_tracking_day as event_day,
        count(*) as orders
    from shipment_events
    where shipped_day is not null
    group by seller_id, marketplace_id, shipped_day, valid_tracking_day
    union all
    -- on-time delivery: orders with valid tracking by deliver-by day, on time once delivered
    select
        'on_time_delivery_rate' as metric,
        seller_id,
        marketplace_id,
        'MFN' as fulfillment_channel,
        deliver_by_day as population_day,
        valid_tracking_day as member_from_day,
        cast(null as date) as member_until_day,
        case
            when delivered_on_time_day is not null then greatest(delivered_on_time_day, valid_tracking_day)
        end as event_day,
        count(*) as orders
    from shipment_events
    where deliver_by_day is not null
        and valid_tracking_day is not null
    group by seller_id, marketplace_id, deliver_by_day, valid_tracking_day, delivered_on_time_day
),

-- Each entry's population and events: the cohorts of its metric, seller, marketplace and channel
-- whose membership covers the entry's day. An inner join on the equal keys with the rest as a
-- filter: with the conditions inside a left join DuckDB compares every entry with every cohort
-- (a nested loop join, which grew with the square of the sellers).
members as (
    select
        entries.seller_id,
        entries.marketplace_id,
        entries.snapshot_date,
        entries.amazon_metric,
        entries.fulfillment_channel,
        sum(cohorts.orders) as denominator,
        sum(case when cohorts.event_day <= entries.as_of_date then cohorts.orders else 0 end) as numerator
    from entries
    inner join cohorts
        on entries.metric = cohorts.metric
        and entries.seller_id = cohorts.seller_id
        and entries.marketplace_id = cohorts.marketplace_id
        and entries.fulfillment_channel = cohorts.fulfillment_channel
    where cohorts.population_day between entries.reporting_date_from and entries.reporting_date_to
        and (cohorts.member_from_day is null or entries.as_of_date >= cohorts.member_from_day)
        and (cohorts.member_until_day is null or entries.as_of_date <= cohorts.member_until_day)
    group by
        entries.seller_id,
        entries.marketplace_id,
        entries.snapshot_date,
        entries.amazon_metric,
        entries.fulfillment_channel
),

-- every entry, 0 where no order is in its population
counted as (
    select distinct
        entries.seller_id,
        entries.marketplace_id,
        entries.snapshot_date,
        entries.amazon_metric,
        entries.fulfillment_channel,
        coalesce(members.denominator, 0) as denominator,
        coalesce(members.numerator, 0) as numerator
    from entries
    left join members
        on entries.seller_id = members.seller_id
        and entries.marketplace_id = members.marketplace_id
        and entries.snapshot_date = members.snapshot_date
        and entries.amazon_metric = members.amazon_metric
        and entries.fulfillment_channel = members.fulfillment_channel
),

covered as (
    select
        entries.seller_id,
        entries.marketplace_id,
        entries.snapshot_date,
        entries.amazon_metric,
        entries.fulfillment_channel,
        count(distinct loaded_files.dt) as days_loaded
    from entries
    left join loaded_files
        on entries.population_export = loaded_files.export
        and entries.seller_id = loaded_files.seller_id
        and entries.marketplace_id = loaded_files.marketplace_id
        and loaded_files.dt between entries.reporting_date_from and entries.reporting_date_to
    group by
        entries.seller_id,
        entries.marketplace_id,
        entries.snapshot_date,
        entries.amazon_metric,
        entries.fulfillment_channel
),

compared as (
    select
        entries.*,
        counted.denominator,
        counted.numerator,
        case when counted.denominator > 0 then counted.numerator * 1.0 / counted.denominator end as value,
        coalesce(
            entries.rate,
            case when entries.amazon_denominator > 0 then entries.amazon_numerator * 1.0 / entries.amazon_denominator end
        ) as amazon_rate,
        -- the target in millionths: statuses are decided on whole numbers, never on a rounded quotient
        cast(round(entries.target_value * 1000000) as bigint) as target_millionths,
        covered.days_loaded,
        {{ dbt.datediff('entries.reporting_date_from', 'entries.reporting_date_to', 'day') }} + 1 as days_in_range
    from entries
    inner join counted
        on entries.seller_id = counted.seller_id
        and entries.marketplace_id = counted.marketplace_id
        and entries.snapshot_date = counted.snapshot_date
        and entries.amazon_metric = counted.amazon_metric
        and entries.fulfillment_channel = counted.fulfillment_channel
    inner join covered
        on entries.seller_id = covered.seller_id
        and entries.marketplace_id = covered.marketplace_id
        and entries.snapshot_date = covered.snapshot_date
        and entries.amazon_metric = covered.amazon_metric
        and entries.fulfillment_channel = covered.fulfillment_channel
),

judged as (
    select
        compared.*,
        case
            when value is null then 'NO_DATA'
            when target_millionths is null then 'NO_TARGET'
            when target_condition = 'LESS_THAN'
                then
                    case when numerator * 1000000 < target_millionths * denominator then 'GOOD' else 'BAD' end
            when target_condition = 'GREATER_THAN'
                then
                    case when numerator * 1000000 > target_millionths * denominator then 'GOOD' else 'BAD' end
            when target_condition in ('AT_LEAST', 'GREATER_THAN_OR_EQUALS')
                then
                    case when numerator * 1000000 >= target_millionths * denominator then 'GOOD' else 'BAD' end
            when target_condition in ('AT_MOST', 'LESS_THAN_OR_EQUALS')
                then
                    case when numerator * 1000000 <= target_millionths * denominator then 'GOOD' else 'BAD' end
            when target_condition = 'EQUALS'
                then
                    case when numerator * 1000000 = target_millionths * denominator then 'GOOD' else 'BAD' end
            else 'NO_TARGET'
        end as status
    from compared
),

final as (
    select
        seller_id,
        marketplace_id,
        snapshot_date,
        amazon_metric,
        fulfillment_channel,
        metric,
        reporting_date_from,
        reporting_date_to,
        amazon_denominator,
        amazon_numerator,
        cast(amazon_rate as {{ type_double() }}) as amazon_rate,
        cast(denominator as bigint) as denominator,
        cast(numerator as bigint) as numerator,
        cast(value as {{ type_double() }}) as value,
        cast(value - amazon_rate as {{ type_double() }}) as rate_difference,
        target_value,
        target_condition,
        amazon_status,
        status,
        coalesce(
            value is not null
            and amazon_rate is not null
            -- rounded to 1e-9 so that float noise cannot move a difference of exactly 0.001
            and round(abs(value - amazon_rate), 9) <= 0.001
            and (target_value is null or status = amazon_status),
            false
        ) as agrees,
        case
            when days_in_range is null or days_in_range < 1 or days_loaded = 0 then 'NONE'
            when days_loaded >= days_in_range then 'COMPLETE'
            else 'PARTIAL'
        end as coverage
    from judged
)

select * from final
