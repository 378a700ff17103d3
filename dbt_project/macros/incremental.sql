{#
    Incremental builds of the per-record models.

    A night adds one day of exports to a year of history. The models with a row per order item,
    shipment or order (stg_orders__order_items, stg_mfn_shipments__shipments, int_orders,
    int_mfn_shipment_events, int_order_events) rebuild only the orders that rows loaded since
    their last build touch, stg_buyer_messages__messages and int_buyer_message_responses only
    the messages, and int_metric_outlook_values only the as-of days those orders can change; so
    a night's cost does not grow with the history kept. The other metric models (one row per
    series and as-of day) are small and are rebuilt in full.

    How a model knows what changed: every row it writes carries `_loaded_through`, the newest
    `loaded_at` of raw.ingested_files when it was built. Raw rows with a later `_loaded_at` were
    loaded after that build; the records they belong to are rebuilt (all their rows: dbt deletes
    the model's rows of those records, then inserts the new ones). A failed build leaves
    `_loaded_through` where it was, so the next build picks the same rows up again.

    What this cannot see is a row that disappeared: a file deleted from the bucket or re-uploaded
    with other content. The Python loader notices (the file's ETag changed or its key is gone),
    records it in raw.restatements, and the next run builds every model with --full-refresh
    (pipelines/defs/transform/assets.py). So does `sellerhealth run --full-refresh`, and an
    analyst's `dbt build --full-refresh` after changing one of these models.
#}

{#
    The configuration of a per-record incremental model; key: its unique key columns.
    On Spark the model is a table rebuilt in full on every run: dbt-spark has no delete+insert,
    its merge needs Delta or Iceberg tables (jars the pyspark wheel does not ship), and an append
    to plain Parquet would keep the stale versions of the orders it rebuilds (docs/spark.md).
#}
{% macro per_record_incremental_config(key) -%}
    {{ return(adapter.dispatch('per_record_incremental_config')(key)) }}
{%- endmacro %}

{% macro default__per_record_incremental_config(key) -%}
    {{ config(
        materialized='incremental',
        unique_key=key,
        incremental_strategy=incremental_strategy(),
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{% macro spark__per_record_incremental_config(key) -%}
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
    The records (seller_id, marketplace_id and the columns of `key`; by default the order,
    amazon_order_id) that rows of `exports` loaded since this model's last build touch. `exports`
    is a list of dicts: export (a raw table) and record_key (the columns of its record key,
    without seller and marketplace). An export whose record key holds `key` names every record it
    touches in its own new rows. A record keyed by something else (a claim, a message, for the
    order key) touches the records of all its versions: a new version may move it from one order
    to another.
#}
{% macro records_touched_since_last_build(exports, key=['amazon_order_id']) -%}
    {%- for item in exports %}
    {%- set relation = source('raw', item.export) %}
    {%- set keyed_by_record = (key | reject('in', item.record_key) | list | length) == 0 %}
    {%- if keyed_by_record %}
    select seller_id, marketplace_id, {{ key | join(', ') }}
    from {{ relation }}
    where _loaded_at > {{ last_loaded_through() }}
    {%- else %}
    select versions.seller_id, versions.marketplace_id
        {%- for column in key %}, versions.{{ column }}{% endfor %}
    from {{ relation }} as versions
    {{ where_version_of_touched_record(relation, item.record_key) }}
    {%- endif %}
    {% if not loop.last %}union{% endif %}
    {%- endfor %}
{%- endmacro %}

{#
    A where clause keeping the rows of `relation_alias` whose record (seller, marketplace and
    `key`) is in `touched` (a CTE of records_touched_since_last_build with the same key); nothing
    on a full build.

    The `in` on the key's last column (an order id, a message id) says nothing the `exists` does
    not; DuckDB runs it as a one-column semi join before the three-column one, which on a year of
    a large seller took int_order_events' query from 0.65 to 0.43 s and a night's dbt build about
    1 s shorter (docs/benchmark.md). Rows whose key is empty match neither, as before.
#}
{% macro where_record_touched(relation_alias, touched='touched_orders', key=['amazon_order_id']) -%}
    {%- if is_incremental() %}
    where {{ relation_alias }}.{{ key[-1] }} in (select {{ key[-1] }} from {{ touched }})
        and exists (
        select 1
        from {{ touched }}
        where {{ touched }}.seller_id = {{ relation_alias }}.seller_id
            and {{ touched }}.marketplace_id = {{ relation_alias }}.marketplace_id
            {%- for column in key %}
            and {{ touched }}.{{ column }} = {{ relation_alias }}.{{ column }}
            {%- endfor %}
    )
    {%- endif %}
{%- endmacro %}

{#
    For every record of `export` (a raw table; record_key: its record key columns, without seller
    and marketplace) that rows loaded since this model's last build touch, the day `day` (an
    expression on the export's columns, qualified `versions.`) of each of its versions:
    seller_id, marketplace_id, changed_day. Every version counts, as a new one may have moved the
    day or taken the record away from it.
#}
{% macro days_of_records_touched_since_last_build(export, record_key, day) -%}
    {%- set relation = source('raw', export) %}
    select versions.seller_id, versions.marketplace_id, {{ day }} as changed_day
    from {{ relation }} as versions
    {{ where_version_of_touched_record(relation, record_key) }}
{%- endmacro %}

{#
    A where clause keeping the rows of `relation` (aliased `versions`) that are a version of a
    record (seller, marketplace and `record_key`) with a row loaded since this model's last build.
#}
{% macro where_version_of_touched_record(relation, record_key) -%}
    where exists (
        select 1
        from {{ relation }} as new_rows
        where new_rows._loaded_at > {{ last_loaded_through() }}
            and new_rows.seller_id = versions.seller_id
            and new_rows.marketplace_id = versions.marketplace_id
            {%- for column in record_key %}
            and new_rows.{{ column }} = versions.{{ column }}
            {%- endfor %}
    )
{%- endmacro %}
