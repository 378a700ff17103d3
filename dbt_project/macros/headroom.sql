{#
    Headroom (docs/headroom-and-outlook.md): how far a row of a metric is from changing sides of
    its target, counted in the population's members.

    B, the members against the target: the numerator for a LESS_THAN rate, denominator -
    numerator for the others; for customer_service_rating the NO answers, denominator -
    numerator / 10 (its numerator counts 10 per YES answer). N is the denominator.

    - events_to_breach, on a GOOD or WARNING row: the smallest k >= 1 such that B + k against
      members (same N) give BAD; NULL when none up to N - B does.
    - orders_to_recover, on a BAD row: the smallest m >= 1 such that m more members, none against
      the target (N + m, same B), give GOOD or WARNING; NULL when no m does.

    Every comparison is exact: the target is scaled by 10^6 to an integer and each bound is an
    integer division of integers, never a rounded floating-point quotient. With P the numerator,
    T the scaled target, S x 10^6 the scaled weight of one member (S = 10 for the rating, else 1),
    margin = P x 10^6 - T x N is the value's distance from the target, times N x 10^6:

    | condition    | GOOD when  | k (events_to_breach)       | m (orders_to_recover)              |
    |--------------|------------|----------------------------|------------------------------------|
    | LESS_THAN    | margin < 0 | ceil(-margin / (S 10^6))   | floor(margin / T) + 1              |
    | AT_LEAST     | margin >= 0| floor(margin / (S 10^6)) + 1 | ceil(-margin / (S 10^6 - T))     |
    | GREATER_THAN | margin > 0 | ceil(margin / (S 10^6))    | floor(-margin / (S 10^6 - T)) + 1  |

    (m needs T > 0 for LESS_THAN and T < S 10^6 for the others: else no number of clean members
    reaches the target.)

    relation: a relation with metric, numerator, denominator, target, target_condition and status
    (as in marts.seller_metrics_daily). Returns its rows with events_to_breach and
    orders_to_recover (bigint) and a few helper columns named headroom_*.
#}
{% macro headroom(relation) -%}
    {%- set scale = 1000000 -%}
    select
        bounds.*,
        cast(
            case
                when bounds.status in ('GOOD', 'WARNING')
                    and bounds.headroom_breach_events <= bounds.headroom_population - bounds.headroom_against
                    then greatest(bounds.headroom_breach_events, 1)
            end as {{ dbt.type_bigint() }}
        ) as events_to_breach,
        cast(
            case
                when bounds.status = 'BAD' and bounds.headroom_recover_orders is not null
                    then greatest(bounds.headroom_recover_orders, 1)
            end as {{ dbt.type_bigint() }}
        ) as orders_to_recover
    from (
        select
            margins.*,
            case margins.target_condition
                when 'LESS_THAN' then
                    {{ ceiling_divide('greatest(-margins.headroom_margin, 0)', 'margins.headroom_member') }}
                when 'AT_LEAST' then
                    {{ floor_divide('greatest(margins.headroom_margin, 0)', 'margins.headroom_member') }} + 1
                when 'GREATER_THAN' then
                    {{ ceiling_divide('greatest(margins.headroom_margin, 0)', 'margins.headroom_member') }}
            end as headroom_breach_events,
            case
                when margins.target_condition = 'LESS_THAN' and margins.headroom_target > 0 then
                    {{ floor_divide('greatest(margins.headroom_margin, 0)', 'margins.headroom_target') }} + 1
                when margins.target_condition = 'AT_LEAST'
                    and margins.headroom_member > margins.headroom_target then
                    {{ ceiling_divide(
                        'greatest(-margins.headroom_margin, 0)',
                        'margins.headroom_member - margins.headroom_target'
                    ) }}
                when margins.target_condition = 'GREATER_THAN'
                    and margins.headroom_member > margins.headroom_target then
                    {{ floor_divide(
                        'greatest(-margins.headroom_margin, 0)',
                        'margins.headroom_member - margins.headroom_target'
                    ) }} + 1
            end as headroom_recover_orders
        from (
            select
                members.*,
                members.headroom_numerator * {{ scale }}
                    - members.headroom_target * members.headroom_population as headroom_margin
            from (
                select
                    headroom_rows.*,
                    cast(round(headroom_rows.numerator) as {{ dbt.type_bigint() }}) as headroom_numerator,
                    cast(headroom_rows.denominator as {{ dbt.type_bigint() }}) as headroom_population,
                    cast(round(headroom_rows.target * {{ scale }}) as {{ dbt.type_bigint() }}) as headroom_target,
                    cast({{ member_weight('headroom_rows.metric') }} * {{ scale }} as {{ dbt.type_bigint() }})
                        as headroom_member,
                    cast(
                        case headroom_rows.target_condition
                            when 'LESS_THAN' then
                                {{ floor_divide(
                                    'cast(round(headroom_rows.numerator) as ' ~ dbt.type_bigint() ~ ')',
                                    member_weight('headroom_rows.metric')
                                ) }}
                            else headroom_rows.denominator - {{ floor_divide(
                                'cast(round(headroom_rows.numerator) as ' ~ dbt.type_bigint() ~ ')',
                                member_weight('headroom_rows.metric')
                            ) }}
                        end as {{ dbt.type_bigint() }}
                    ) as headroom_against
                from {{ relation }} as headroom_rows
            ) as members
        ) as margins
    ) as bounds
{%- endmacro %}

{#
    What one member of the population adds to a metric's numerator: 10 for
    customer_service_rating (10 x the YES answers, so that its value is on 0 to 10), else 1.
#}
{% macro member_weight(metric_column) -%}
    (case when {{ metric_column }} = 'customer_service_rating' then 10 else 1 end)
{%- endmacro %}

{# ceil(dividend / divisor) for integers, dividend >= 0 and divisor > 0. #}
{% macro ceiling_divide(dividend, divisor) -%}
    {{ floor_divide('(' ~ dividend ~ ') + (' ~ divisor ~ ') - 1', divisor) }}
{%- endmacro %}

{# Integer division of integers (the quotient rounded down for dividend >= 0, divisor > 0). #}
{% macro floor_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('floor_divide')(dividend, divisor)) }}
{%- endmacro %}

{% macro duckdb__floor_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__floor_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}
