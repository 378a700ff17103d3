{#
    Views name the tables they read without the database (catalog) part: "intermediate"."x", not
    "seller_health"."intermediate"."x". DuckDB's catalog is the file's name, and the published
    copy BI tools read has another name (seller_health_published.duckdb): a view that named its
    catalog would fail there. Every ref() and source() is rendered this way.
#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if relation is string -%}
        {{ return(relation) }}
    {%- endif -%}
    {{ return(relation.include(database=False)) }}
{%- endmacro %}

{% macro source() -%}
    {{ return(builtins.source(*varargs, **kwargs).include(database=False)) }}
{%- endmacro %}
