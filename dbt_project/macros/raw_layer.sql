{#
    The raw layer as dbt sources. On DuckDB the ingestion writes the tables of schema `raw` itself.
    On Spark the ingestion writes Parquet folders (Hive partitions seller_id=/marketplace_id=/dt=,
    pipelines/lib/raw_parquet.py) and `sellerhealth run` passes their locations and columns in
    the var `spark_raw_layer`; this hook (on-run-start) registers each as an external table
    `raw.<export>` and syncs its partitions with the folders. Without the var (an analyst's own
    `dbt build --target spark`) the tables registered by the last run are used as they are.
#}
{% macro register_raw_layer() -%}
    {{ return(adapter.dispatch('register_raw_layer')()) }}
{%- endmacro %}

{% macro default__register_raw_layer() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_layer() -%}
    {%- set layer = var('spark_raw_layer', none) -%}
    {%- if execute and layer is not none -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for name, table in layer['tables'].items() -%}
            {%- do run_query('drop table if exists raw.' ~ name) -%}
            {%- set ddl -%}
                create table raw.{{ name }} ({{ table['columns'] }})
                using parquet
                {% if table['partitioned_by'] %}partitioned by ({{ table['partitioned_by'] }}){% endif %}
                location '{{ table['location'] }}'
            {%- endset -%}
            {%- do run_query(ddl) -%}
            {%- if table['partitioned_by'] -%}
                {%- do run_query('msck repair table raw.' ~ name ~ ' sync partitions') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
