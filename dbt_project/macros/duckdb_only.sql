{#
    Engine-specific SQL: each macro dispatches on the adapter, with a `duckdb__` and a `spark__`
    version, so the models read the same on both engines (docs/spark.md).
#}

{#
    One row per day from `first_day_column` to `last_day_column` (both inclusive) for every row
    of `relation`, with its `carry_columns`, the day named `day_name`.
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

{% macro spark__days_between(relation, carry_columns, first_day_column, last_day_column, day_name) -%}
    select
        {% for column in carry_columns -%}
        spans.{{ column }},
        {% endfor -%}
        days.day_value as {{ day_name }}
    from {{ relation }} as spans
    lateral view explode(sequence(
        cast(spans.{{ first_day_column }} as date),
        cast(spans.{{ last_day_column }} as date),
        interval 1 day
    )) days as day_value
{%- endmacro %}

{#
    dbt-spark's listagg drops the order by; Spark 4 has the standard ordered aggregate
    (`listagg(... ) within group (order by ...)`), so fct_orders lists SKUs sorted on both engines.
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{#
    The text type of seeds and contracts: `varchar` on DuckDB; Spark wants `string` (a varchar
    without length is an error there).
#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text')()) }}
{%- endmacro %}

{% macro default__type_text() -%}
    {{ return('varchar') }}
{%- endmacro %}

{% macro spark__type_text() -%}
    {{ return('string') }}
{%- endmacro %}

{#
    Written between a CTE's `as` and its body, for a CTE read more than once that must not be
    stored: DuckDB materialises such a CTE (a copy of every row and column) unless told
    `not materialized`; Spark inlines CTEs and has no such clause. keep_latest_version reads its
    relation twice (its narrow ranking, then the winners' rows): a year of All Orders stored as a
    CTE cost more than the ranking it saved (docs/benchmark.md).
#}
{% macro cte_inlined() -%}
    {{ return(adapter.dispatch('cte_inlined')()) }}
{%- endmacro %}

{% macro duckdb__cte_inlined() -%}
    not materialized
{%- endmacro %}

{% macro spark__cte_inlined() -%}
{%- endmacro %}
