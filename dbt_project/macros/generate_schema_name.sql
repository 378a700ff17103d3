{#
    Models land in schemas named exactly as configured (`staging`, `intermediate`, `marts`), not
    `<target schema>_staging`: BI tools and the alerts asset read `marts.*` by that name.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
