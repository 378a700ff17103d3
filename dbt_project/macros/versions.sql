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

{#
    A select over `relation` (a CTE or table) keeping one row, the latest version, per key.

    The versions are ranked on the key and the ordering columns alone, then the winners' rows are
    read back by key, file and line (one line of one file is one row; a key column may be empty,
    as the account health's fulfillment channel is, hence `is not distinct from`). Ranking
    whole rows made the window sort carry every column: on a year of All Orders (7.7 million
    rows, 2 DuckDB threads) the full build's query of stg_orders__order_items took 16.5 s that
    way, 11.1 to 11.6 s this way, with the same rows (docs/benchmark.md). The relation is read
    twice: a CTE passed here is declared `source as {{ cte_inlined() }} (...)`, or DuckDB would
    store a copy of it first.
#}
{% macro keep_latest_version(relation, key_columns, version_column=none) -%}
    {%- set row_columns = key_columns + ['_source_key', '_line_number'] -%}
    select versions.*
    from {{ relation }} as versions
    inner join (
        select {{ row_columns | join(', ') }}
        from (
            select
                {{ row_columns | join(', ') }},
                row_number() over (
                    partition by {{ key_columns | join(', ') }}
                    order by {{ version_order(version_column) }}
                ) as version_rank
            from {{ relation }}
        ) as ranked
        where version_rank = 1
    ) as latest
        on {% for column in row_columns -%}
            {{ 'and ' if not loop.first }}versions.{{ column }} is not distinct from latest.{{ column }}
        {% endfor %}
{%- endmacro %}
