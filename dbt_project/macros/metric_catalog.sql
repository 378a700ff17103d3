{#
    The metric catalogue (seeds/metric_catalog.csv, docs/metric-catalog.md) as the models read it.
    dbt declares a model's dependencies before it can read a seed, so int_metric_values names
    its metric models in a list; check_metric_catalog() fails the build, naming what to change,
    when that list, the int_metric_<metric> models and the catalogue's rows disagree.
#}

{#
    The catalogue's rows (dicts of its columns), read from the loaded seed; [] while dbt parses,
    none when the seed was never loaded (a `dbt compile` before the first `dbt seed`).
#}
{% macro metric_catalog_rows() -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- if load_relation(ref('metric_catalog')) is none -%}
            {{ return(none) }}
        {%- endif -%}
        {%- set result = run_query('select * from ' ~ ref('metric_catalog') ~ ' order by display_order') -%}
        {%- for row in result.rows -%}
            {%- set entry = {} -%}
            {%- for column in result.column_names -%}
                {%- do entry.update({column | lower: row[column]}) -%}
            {%- endfor -%}
            {%- do rows.append(entry) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(rows) }}
{%- endmacro %}

{#
    Fails the build when `unioned_metrics` (the metrics int_metric_values unions), the models
    named int_metric_<metric> and the catalogue's metrics are not the same set.
#}
{% macro check_metric_catalog(unioned_metrics) -%}
    {%- if execute -%}
        {%- set not_metric_models = ['int_metric_values', 'int_metric_outlook_values'] -%}
        {%- set rows = metric_catalog_rows() -%}
        {%- if rows is none -%}
            {% do log('metric_catalog is not loaded yet: the metric models are not checked against it', info=true) %}
            {{ return('') }}
        {%- endif -%}
        {%- set catalogued = rows | map(attribute='metric') | list -%}
        {%- set modelled = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.package_name == project_name
                and node.name.startswith('int_metric_') and node.name not in not_metric_models -%}
                {%- do modelled.append(node.name[('int_metric_' | length):]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set problems = [] -%}
        {%- for metric in catalogued if metric not in modelled -%}
            {%- do problems.append("seeds/metric_catalog.csv lists '" ~ metric ~ "' but there is no model int_metric_" ~ metric) -%}
        {%- endfor -%}
        {%- for metric in modelled if metric not in catalogued -%}
            {%- do problems.append("model int_metric_" ~ metric ~ " has no row in seeds/metric_catalog.csv") -%}
        {%- endfor -%}
        {%- for metric in catalogued if metric not in unioned_metrics -%}
            {%- do problems.append("'" ~ metric ~ "' is missing from the list at the top of int_metric_values.sql") -%}
        {%- endfor -%}
        {%- for metric in unioned_metrics if metric not in catalogued -%}
            {%- do problems.append("int_metric_values.sql lists '" ~ metric ~ "', which seeds/metric_catalog.csv does not") -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error('The metric catalogue and the metric models disagree: ' ~ (problems | join('; '))) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
