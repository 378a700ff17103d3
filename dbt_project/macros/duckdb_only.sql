{#
    DuckDB-specific SQL, kept here so a port to another engine (Spark) adds a `spark__` version of
    each macro below and touches no model. Each macro dispatches on the adapter.
#}

{#
    DuckDB-specific: one row per day from `first_day_column` to `last_day_column` (both
    inclusive) for every row of `relation`, with its `carry_columns`, the day named `day_name`.
    Spark would use `explode(sequence(first, last, interval 1 day))`.
#}
{% macro days_between(relation, carry_columns, first_day_column, last_day_column, day_name) -%}
    {{ return(adapter.dispatch('days_between')(relation, carry_columns, first_day_column, last_day_column, day_name)) }}
{%- endmacro %}

{% macro duckdb__days_between(relation, carry_columns, first_day_column, last_day_column, day_name) -%}
    select
        {% for column in carry_columns -%}
        spans.{{ column }},
        {% endfor -%}
        cast(days.generate_series as date) as {{ day_name }}
    from {{ relation }} as spans
    cross join lateral generate_series(
        cast(spans.{{ first_day_column }} as timestamp),
        cast(spans.{{ last_day_column }} as timestamp),
        interval 1 day
    ) as days
{%- endmacro %}
