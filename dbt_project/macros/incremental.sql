{#
    Incremental builds of the per-record models.

    A night adds one day of exports to a year of history. The models with a row per order item,
    shipment or order (stg_orders__order_items, stg_mfn_shipments__shipments, int_orders,
    int_mfn_shipment_events, int_order_events) rebuild only the orders that rows loaded since
    their last build touch, so a night's cost does not grow with the history kept. Everything
    downstream of them (the metric models, one row per series and as-of day) is small and is
    rebuilt in full.

    How a model knows what changed: every row it writes carries `_loaded_through`, the newest
    `loaded_at` of raw.ingested_files when it was built. Raw rows with a later `_loaded_at` were
    loaded after that build; the orders they belong to are rebuilt (all their rows: dbt deletes
    the model's rows of those orders, then inserts the new ones). A failed build leaves
    `_loaded_through` where it was, so the next build picks the same rows up again.

    What this cannot see is a row that disappeared: a file deleted from the bucket or re-uploaded
    with other content. The Python loader notices (the file's ETag changed or its key is gone),
    records it in raw.restatements, and the next run builds every model with --full-refresh
    (pipelines/defs/transform/assets.py). So does `sellerhealth run --full-refresh`, and an
    analyst's `dbt build --full-refresh` after changing one of these models.
#}

{#
    The configuration of a per-order incremental model; key: its unique key columns.
    On Spark the model is a table rebuilt in full on every run: dbt-spark has no delete+insert,
    its merge needs Delta or Iceberg tables (jars the pyspark wheel does not ship), and an append
    to plain Parquet would keep the stale versions of the orders it rebuilds (docs/spark.md).
#}
{% macro per_order_incremental_config(key) -%}
    {{ return(adapter.dispatch('per_order_incremental_config')(key)) }}
{%- endmacro %}

{% macro default__per_order_incremental_config(key) -%}
    {{ config(
        materialized='incremental',
        unique_key=key,
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{% macro spark__per_order_incremental_config(key) -%}
    {{ config(materialized='table') }}
{%- endmacro %}

{# delete+insert on DuckDB; on Delta or Iceberg tables (dbt-databricks, a Spark with those jars) merge. #}
{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#
    The column every incremental model carries: raw rows loaded up to this instant are in it.
    raw.ingested_files is named directly, not as a source(): it is bookkeeping, not an input, and
    the models' unit tests would otherwise have to give it rows.
#}
{% macro loaded_through_column() -%}
    (select max(loaded_at) from {{ api.Relation.create(schema='raw', identifier='ingested_files') }}) as _loaded_through
{%- endmacro %}

{# The instant of this model's last build: raw rows loaded later are new to it. #}
{% macro last_loaded_through() -%}
    (select coalesce(max(_loaded_through), cast('1900-01-01' as timestamp)) from {{ this }})
{%- endmacro %}

{#
    The orders (seller_id, marketplace_id, amazon_order_id) that rows of `exports` loaded since
    this model's last build touch. `exports` is a list of dicts: export (a raw table) and
    record_key (the columns of its record key, without seller and marketplace). A record keyed by
    something else than the order (a claim, a message) touches the orders of all its versions: a
    new version may move it from one order to another.
#}
{% macro orders_touched_since_last_build(exports) -%}
    {%- for item in exports %}
    {%- set relation = source('raw', item.export) %}
    {%- if 'amazon_order_id' in item.record_key %}
    {#- keyed by the order (and item): its own rows name every order it touches #}
    select seller_id, marketplace_id, amazon_order_id
    from {{ relation }}
    where _loaded_at > {{ last_loaded_through() }}
    {%- else %}
    select versions.seller_id, versions.marketplace_id, versions.amazon_order_id
    from {{ relation }} as versions
    where exists (
        select 1
        from {{ relation }} as new_rows
        where new_rows._loaded_at > {{ last_loaded_through() }}
            and new_rows.seller_id = versions.seller_id
            and new_rows.marketplace_id = versions.marketplace_id
            {%- for column in item.record_key %}
            and new_rows.{{ column }} = versions.{{ column }}
            {%- endfor %}
    )
    {%- endif %}
    {% if not loop.last %}union{% endif %}
    {%- endfor %}
{%- endmacro %}

{#
    A where clause keeping the rows of `relation_alias` whose order is in `touched` (a CTE of
    orders_touched_since_last_build); nothing on a full build.
#}
{% macro where_order_touched(relation_alias, touched='touched_orders') -%}
    {%- if is_incremental() %}
    where exists (
        select 1
        from {{ touched }}
        where {{ touched }}.seller_id = {{ relation_alias }}.seller_id
            and {{ touched }}.marketplace_id = {{ relation_alias }}.marketplace_id
            and {{ touched }}.amazon_order_id = {{ relation_alias }}.amazon_order_id
    )
    {%- endif %}
{%- endmacro %}
