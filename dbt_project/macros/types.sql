{#
    DOUBLE for the contract's DOUBLE columns: dbt.type_float() is a 4-byte REAL on DuckDB.
    `double` is the same type on DuckDB and Spark, so the macro needs no per-adapter version.
#}
{% macro type_double() -%}
    double
{%- endmacro %}
