{#
    The ordering rule of docs/exports.md: of several versions of one record, the latest
    wins: greatest version timestamp, then latest `dt`, then greatest file key, then last row.
    `feedback` and `cs_surveys` have no version column: pass version_column=none.
#}

{% macro version_order(version_column=none, prefix='') -%}
    {%- if version_column is not none -%}
        {{ prefix }}{{ version_column }} desc nulls last,
    {% endif -%}
    {{ prefix }}dt desc, {{ prefix }}_source_key desc, {{ prefix }}_line_number desc
{%- endmacro %}

{# A select over `relation` (a CTE or table) keeping one row, the latest version, per key. #}
{% macro keep_latest_version(relation, key_columns, version_column=none) -%}
    select *
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ version_order(version_column, 'versions.') }}
            ) as version_rank
        from {{ relation }} as versions
    ) as ranked
    where version_rank = 1
{%- endmacro %}
