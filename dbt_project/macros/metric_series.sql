{#
    The machinery every metric model shares. A metric model describes, for each entity (order,
    message, return request, survey answer) or cohort of identical entities, the intervals of
    as-of days on which it adds to a series' denominator, numerator or sum of values; these
    macros turn the intervals into one row per series and as-of day. The cost grows with the
    number of intervals plus the number of days, never with their product: each interval becomes
    a +weight change on its first day and a -weight change the day after its last, and a running
    sum over the days gives each day's totals.
#}

{#
    A select of the series a metric model produces, from a list of dicts with keys metric,
    fulfillment_channel, window_days and lag_days. Every series gets a row on every as-of day,
    also when the seller never had an entity in it (NO_DATA rows).
#}
{% macro metric_series(series) -%}
    {%- for item in series %}
    select
        cast('{{ item.metric }}' as {{ dbt.type_string() }}) as metric,
        cast('{{ item.fulfillment_channel }}' as {{ dbt.type_string() }}) as fulfillment_channel,
        cast({{ item.window_days }} as {{ dbt.type_int() }}) as window_days,
        cast({{ item.lag_days }} as {{ dbt.type_int() }}) as lag_days
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#
    The totals of every series on every as-of day.

    intervals: a relation with seller_id, marketplace_id, fulfillment_channel, metric, window_days,
        lag_days, valid_from, valid_to (dates, both inclusive; empty when valid_from > valid_to or either is
        NULL), and the weights the interval adds on each of its days: denominator, numerator,
        value_sum.
    series: a relation like the output of metric_series().
    as_of_days: a relation with seller_id, marketplace_id, as_of_date (int_seller_marketplace_days).

    Returns as_of_date, seller_id, marketplace_id, fulfillment_channel, metric, window_days,
    lag_days, window_start, window_end, denominator (bigint), numerator and value_sum (double).
    The lag is part of a series' key: the outlook (outlook_series) runs one metric with several.
#}
{% macro running_metric_totals(intervals, series, as_of_days) -%}
    {%- set series_key = 'seller_id, marketplace_id, fulfillment_channel, metric, window_days, lag_days' -%}
    with

    -- per seller-marketplace: an incremental outlook recomputes different days for each
    as_of_bounds as (
        select seller_id, marketplace_id, min(as_of_date) as first_day, max(as_of_date) as last_day
        from {{ as_of_days }}
        group by seller_id, marketplace_id
    ),

    -- Only changes on as-of days of the seller-marketplace matter. An interval that ends before
    -- its first as-of day adds and takes away its weight before it: it changes no as-of day; one
    -- that starts before it counts from it on (this keeps an outlook of the recent days from
    -- sorting all history). One that starts after the last as-of day changes none either, and one
    -- that ends on or after it never takes its weight away (valid_to NULL: open). A
    -- seller-marketplace with no as-of day has no row to compute.
    valid_intervals as (
        select
            intervals.seller_id,
            intervals.marketplace_id,
            intervals.fulfillment_channel,
            intervals.metric,
            intervals.window_days,
            intervals.lag_days,
            greatest(intervals.valid_from, as_of_bounds.first_day) as valid_from,
            case when intervals.valid_to < as_of_bounds.last_day then intervals.valid_to end as valid_to,
            intervals.denominator,
            intervals.numerator,
            intervals.value_sum
        from {{ intervals }} as intervals
        inner join as_of_bounds
            on intervals.seller_id = as_of_bounds.seller_id
            and intervals.marketplace_id = as_of_bounds.marketplace_id
        where intervals.valid_from is not null
            and intervals.valid_to is not null
            and intervals.valid_from <= intervals.valid_to
            and intervals.valid_to >= as_of_bounds.first_day
            and intervals.valid_from <= as_of_bounds.last_day
    ),

    -- entities whose intervals coincide are summed first: most orders of one day share theirs
    grouped_intervals as (
        select
            {{ series_key }},
            valid_from,
            valid_to,
            sum(denominator) as denominator,
            sum(numerator) as numerator,
            sum(value_sum) as value_sum
        from valid_intervals
        group by {{ series_key }}, valid_from, valid_to
    ),

    changes as (
        select
            {{ series_key }},
            valid_from as change_day,
            denominator,
            numerator,
            value_sum
        from grouped_intervals
        union all
        select
            {{ series_key }},
            {{ add_days('valid_to', 1) }} as change_day,
            -denominator as denominator,
            -numerator as numerator,
            -value_sum as value_sum
        from grouped_intervals
        where valid_to is not null
    ),

    daily_changes as (
        select
            {{ series_key }},
            change_day,
            sum(denominator) as denominator,
            sum(numerator) as numerator,
            sum(value_sum) as value_sum
        from changes
        group by {{ series_key }}, change_day
    ),

    series_days as (
        select
            days.seller_id,
            days.marketplace_id,
            series.fulfillment_channel,
            series.metric,
            series.window_days,
            series.lag_days,
            days.as_of_date
        from {{ as_of_days }} as days
        cross join {{ series }} as series
    ),

    -- changes dated before the first as-of day or between as-of days still count: the running
    -- sum runs over as-of days and change days together, changes of a day before its as-of row
    timeline as (
        select
            {{ series_key }},
            as_of_date as timeline_day,
            1 as is_as_of_day,
            0 as denominator,
            0 as numerator,
            0 as value_sum
        from series_days
        union all
        select
            {{ series_key }},
            change_day as timeline_day,
            0 as is_as_of_day,
            denominator,
            numerator,
            value_sum
        from daily_changes
    ),

    running as (
        select
            {{ series_key }},
            timeline_day,
            is_as_of_day,
            sum(denominator) over (
                partition by {{ series_key }}
                order by timeline_day, is_as_of_day
                rows between unbounded preceding and current row
            ) as denominator,
            sum(numerator) over (
                partition by {{ series_key }}
                order by timeline_day, is_as_of_day
                rows between unbounded preceding and current row
            ) as numerator,
            sum(value_sum) over (
                partition by {{ series_key }}
                order by timeline_day, is_as_of_day
                rows between unbounded preceding and current row
            ) as value_sum
        from timeline
    ),

    as_of_totals as (
        select
            timeline_day as as_of_date,
            seller_id,
            marketplace_id,
            fulfillment_channel,
            metric,
            window_days,
            lag_days,
            -- window_end = D - lag, window_start = window_end - (window_days - 1)
            {{ add_days('timeline_day', '-lag_days') }} as window_end,
            {{ add_days('timeline_day', '-(lag_days + window_days - 1)') }} as window_start,
            cast(denominator as {{ dbt.type_bigint() }}) as denominator,
            cast(numerator as {{ type_double() }}) as numerator,
            cast(value_sum as {{ type_double() }}) as value_sum
        from running
        where is_as_of_day = 1
    )

    select * from as_of_totals
{%- endmacro %}

{#
    Every row of `relation` once per series of `series` (its channel's series only, when
    `channel_column` names the row's channel), with the as-of days D on which the row's
    `date_column` is in the series' window: window_end = D - lag and window_start = window_end -
    (window_days - 1) hold the date exactly when D is in [date + lag, date + lag + window_days - 1].
    Adds metric, fulfillment_channel, window_days, lag_days, window_first_day and window_last_day.

    One join with the series' rows, not one select per series: the outlook runs a metric with up
    to 60 series (odr_long: 2 channels x 30 lags), and a union of a copy of `relation` per series
    made a plan too big for the Spark driver to analyse (docs/spark.md).
#}
{% macro series_windows(relation, date_column, series, channel_column=none) -%}
    select
        {{ relation }}.*,
        series_items.metric,
        series_items.fulfillment_channel,
        series_items.window_days,
        series_items.lag_days,
        {{ add_days(date_column, 'series_items.lag_days') }} as window_first_day,
        {{ add_days(date_column, 'series_items.lag_days + series_items.window_days - 1') }} as window_last_day
    from {{ relation }}
    {%- if channel_column is not none %}
    inner join ({{ metric_series(series) }}) as series_items
        on series_items.fulfillment_channel = 'ALL'
        or {{ relation }}.{{ channel_column }} = series_items.fulfillment_channel
    {%- else %}
    cross join ({{ metric_series(series) }}) as series_items
    {%- endif %}
{%- endmacro %}

{#
    A condition keeping the entities whose `date_column` can be in a window of one of `as_of_days`'
    days: an entity dated c is in a series' window only on the as-of days c + lag .. c + lag +
    window_days - 1, so one dated before the first as-of day minus the longest such reach changes
    no day. A no-op for the metric models (their first as-of day is the first order's); it keeps the
    outlook's incremental builds (int_metric_outlook_values) from reading all history.
#}
{% macro within_reach(date_column, series, as_of_days) -%}
    {%- set reach = [] -%}
    {%- for item in series -%}
        {%- do reach.append(item.lag_days + item.window_days - 1) -%}
    {%- endfor -%}
    {{ date_column }} >= {{ add_days('(select min(as_of_date) from ' ~ as_of_days ~ ')', -(reach | max)) }}
{%- endmacro %}

{# A rate's value: numerator / denominator, none for an empty population. #}
{% macro rate_value(numerator='numerator', denominator='denominator') -%}
    case when {{ denominator }} > 0 then {{ numerator }} / {{ denominator }} end
{%- endmacro %}
