-- Every seller-marketplace has a row for every metric x channel x window series on each of its
-- as-of days, also where the population is empty (docs/metrics.md, grain): a day with fewer series
-- than the catalogue lists has lost rows (26 series for the metrics of docs/metrics.md).
-- depends_on: {{ ref('metric_catalog') }}
with

metrics as (
    select * from {{ ref('seller_metrics_daily') }}
),

as_of_days as (
    select * from {{ ref('int_seller_marketplace_days') }}
),

-- the catalogue's series: channels x windows of each metric (seeds/metric_catalog.csv)
{%- set catalog_series = [] %}
{%- for entry in metric_catalog_rows() or [] %}
    {%- for channel in entry.channels.split() %}
        {%- for window in entry.windows.split() %}
            {%- do catalog_series.append(entry.metric ~ channel ~ window) %}
        {%- endfor %}
    {%- endfor %}
{%- endfor %}
all_series as (
    select {{ catalog_series | length }} as series_count
),

series_per_day as (
    select
        as_of_days.seller_id,
        as_of_days.marketplace_id,
        as_of_days.as_of_date,
        count(metrics.metric) as series_count
    from as_of_days
    left join metrics
        on as_of_days.seller_id = metrics.seller_id
        and as_of_days.marketplace_id = metrics.marketplace_id
        and as_of_days.as_of_date = metrics.as_of_date
    group by as_of_days.seller_id, as_of_days.marketplace_id, as_of_days.as_of_date
),

incomplete_days as (
    select series_per_day.*
    from series_per_day
    cross join all_series
    where series_per_day.series_count <> all_series.series_count
)

select * from incomplete_days
