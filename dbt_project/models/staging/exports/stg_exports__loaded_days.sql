-- One row per export, seller-marketplace and file day (dt) with at least one loaded row. Every
-- row counts here, not only latest versions: a seller-marketplace's as-of days run to its
-- latest dt over all its exports (docs/metrics.md). The exports are those of the contracts'
-- registry (data_contracts.CONTRACTS), in its order; tests/unit/test_export_list.py checks this copy.
{%- set exports = [
    'orders', 'feedback', 'account_health', 'mfn_shipments', 'cancellations', 'claims',
    'chargebacks', 'return_requests', 'buyer_messages', 'cs_surveys',
] %}

with

{% for export in exports %}
{{ export }} as (
    select distinct
        cast('{{ export }}' as {{ dbt.type_string() }}) as export,
        seller_id,
        marketplace_id,
        dt
    from {{ source('raw', export) }}
),

{% endfor %}
unioned as (
    {%- for export in exports %}
    select * from {{ export }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from unioned
