-- Amazon's own warnings as series for marts.alerts (docs/amazon-view.md): one row per series of
-- Amazon's view (seller x marketplace x channel x Amazon entry) and snapshot day, BAD when that
-- snapshot breaches it, GOOD when it does not. int_alert_episodes turns these days into episodes
-- with the same lifecycle as sellerhealth's own alerts. Days without a
-- snapshot have no row: they neither open nor close an alert.
with

snapshots as (
    select * from {{ ref('amazon_account_health') }}
),

policies as (
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric,
        snapshot_date,
        event_count,
        target_value,
        target_condition,
        lag(event_count) over (
            partition by seller_id, marketplace_id, fulfillment_channel, amazon_metric
            order by snapshot_date
        ) as previous_event_count
    from snapshots
    where entry_kind = 'policy'
        and event_count is not null
),

days as (
    -- the account status of the marketplace: anything but NORMAL breaches
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric,
        snapshot_date,
        case when upper(status) = 'NORMAL' then 'GOOD' else 'BAD' end as status,
        cast(null as {{ type_double() }}) as value,
        cast(null as {{ type_double() }}) as target,
        cast(null as {{ dbt.type_string() }}) as target_condition
    from snapshots
    where entry_kind = 'account_status'
        and status is not null
    union all
    -- the Account Health Rating: healthy is GREAT or GOOD; the value is its score
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric,
        snapshot_date,
        case when upper(status) in ('GREAT', 'GOOD') then 'GOOD' else 'BAD' end as status,
        ahr_score as value,
        cast(null as {{ type_double() }}) as target,
        cast(null as {{ dbt.type_string() }}) as target_condition
    from snapshots
    where entry_kind = 'account_health_rating'
        and status is not null
    union all
    -- a metric Amazon rates BAD
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric,
        snapshot_date,
        case when upper(status) = 'BAD' then 'BAD' else 'GOOD' end as status,
        rate as value,
        target_value as target,
        target_condition
    from snapshots
    where entry_kind = 'rate'
        and status is not null
    union all
    -- a policy-violation count that grew since the previous snapshot (the first one cannot grow)
    select
        seller_id,
        marketplace_id,
        fulfillment_channel,
        amazon_metric,
        snapshot_date,
        case when event_count > previous_event_count then 'BAD' else 'GOOD' end as status,
        cast(event_count as {{ type_double() }}) as value,
        target_value as target,
        target_condition
    from policies
)

select * from days
