{#
    The id of an alert episode (marts.alerts.alert_id): the first 20 hex digits of the SHA-256 of
    `seller|marketplace|channel|metric|window|opened_on` (ISO date), with `amazon|` in front for
    Amazon's series. The same episode keeps its id from run to run and on either engine.
#}
{% macro alert_id(source, seller_id, marketplace_id, fulfillment_channel, metric, window_days, opened_on) -%}
    substring({{ sha256_hex(dbt.concat([
        "case when " ~ source ~ " = 'sellerhealth' then '' else " ~ dbt.concat([source, "'|'"]) ~ " end",
        seller_id, "'|'",
        marketplace_id, "'|'",
        fulfillment_channel, "'|'",
        metric, "'|'",
        "cast(" ~ window_days ~ " as " ~ dbt.type_string() ~ ")", "'|'",
        "cast(" ~ opened_on ~ " as " ~ dbt.type_string() ~ ")"
    ])) }}, 1, 20)
{%- endmacro %}

{# The SHA-256 of a text's UTF-8 bytes as 64 lower-case hex digits. #}
{% macro sha256_hex(text_expression) -%}
    {{ return(adapter.dispatch('sha256_hex')(text_expression)) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(text_expression) -%}
    sha256({{ text_expression }})
{%- endmacro %}

{% macro spark__sha256_hex(text_expression) -%}
    sha2({{ text_expression }}, 256)
{%- endmacro %}
