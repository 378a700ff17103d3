{#
    The grain test of an incremental model (macros/incremental.sql): the rows written by its
    latest build are unique on `combination_of_columns`. That is the whole table's uniqueness:
    a build first deletes every row with the keys it writes, so a duplicate can only come from
    the rows it writes. A full build writes every row. Reading only the latest build's rows (the
    newest `_loaded_through`, at the table's end) keeps a night's test from growing with the
    history.
#}
{% test unique_in_latest_build(model, combination_of_columns) %}

with

latest_build as (
    select *
    from {{ model }}
    where _loaded_through = (select max(_loaded_through) from {{ model }})
),

counted as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from latest_build
    group by {{ combination_of_columns | join(', ') }}
)

select * from counted
where row_count > 1

{% endtest %}
