{#
    The values of `column_name` are metrics of the catalogue (seeds/metric_catalog.csv,
    docs/metric-catalog.md): the accepted values of every `metric` column, kept in one place.
    The seed is read by its relation, not by ref(), so the test does not become a test of the
    seed: selecting the seed alone does not select it (a plain relationships test would be run,
    and fail, on a model not yet built). Every model with a metric column is built after the seed.
#}
{% test metric_in_catalog(model, column_name) %}
{%- set catalog_relation = none -%}
{%- if execute -%}
    {%- set seed = graph.nodes['seed.' ~ project_name ~ '.metric_catalog'] -%}
    {%- set catalog_relation = api.Relation.create(database=seed.database, schema=seed.schema, identifier=seed.alias) -%}
{%- endif %}

select {{ column_name }} as metric
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (select metric from {{ catalog_relation }})

{% endtest %}
