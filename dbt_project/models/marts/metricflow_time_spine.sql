-- MetricFlow's day calendar (docs/semantic-layer.md): one row per day, from before any export day
-- the warehouse accepts to well after today. MetricFlow joins it to fill or offset `metric_time`;
-- dbt's cross-database `date_spine` writes it the same on DuckDB and Spark.
with

days as (
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2041-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
