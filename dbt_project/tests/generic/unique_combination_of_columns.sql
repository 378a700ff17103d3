{#
    The rows of `model` are unique on `combination_of_columns` together (a grain test, written
    here because the project uses no packages). Fails with the duplicated combinations.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

counted as (
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select * from counted
where row_count > 1

{% endtest %}
