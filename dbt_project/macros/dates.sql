{#
    Date helpers on top of dbt's cross-database macros, so the models read the same on DuckDB
    and Spark.
#}

{# The UTC calendar day of a naive UTC timestamp (a date stays itself). #}
{% macro day_of(timestamp_expression) -%}
    cast({{ timestamp_expression }} as date)
{%- endmacro %}

{# `days` (a number or an integer column) days after a date, as a date. #}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{# `hours` hours after a timestamp, as a timestamp. #}
{% macro add_hours(timestamp_expression, hours) -%}
    {{ dbt.dateadd('hour', hours, timestamp_expression) }}
{%- endmacro %}

{# Hours from one timestamp to a later one, with the seconds kept as a fraction. #}
{% macro hours_between(start_timestamp, end_timestamp) -%}
    ({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} / 3600.0)
{%- endmacro %}

{# A Y/N flag of the exports as a boolean; empty counts as N where the export says "Y, else N or empty". #}
{% macro yes_no_flag(column, empty_is_no=true) -%}
    {%- if empty_is_no -%}
        coalesce(upper(trim({{ column }})) = 'Y', false)
    {%- else -%}
        case upper(trim({{ column }})) when 'Y' then true when 'N' then false end
    {%- endif -%}
{%- endmacro %}
