"""How people see the metrics: plain names, units, order, how values and changes print.

Shared by the scorecard and the report. Metric ids are those of `marts.seller_metrics_daily`
(docs/report-and-scorecard.md lists them with their plain names).
"""

from __future__ import annotations

from functools import cache

from pipelines.lib.layout import MARKETPLACES
from pipelines.lib.metric_catalog import FRACTION, catalog

# Order, plain names and units come from the metric catalogue (dbt_project/seeds/metric_catalog.csv),
# read on first use, not at import: metrics in its display order; any other metric follows, by id.


@cache
def metric_order() -> tuple[str, ...]:
    return tuple(entry.metric for entry in catalog())


@cache
def metric_names() -> dict[str, str]:
    return {entry.metric: entry.plain_name for entry in catalog()}


@cache
def units() -> dict[str, str]:
    """Metrics whose value is not a fraction, and their unit; every other metric prints as a percentage."""
    return {entry.metric: f" {entry.unit}" for entry in catalog() if entry.unit != FRACTION}


def __getattr__(name: str):
    # METRIC_ORDER, METRIC_NAMES, UNITS: the catalogue's words, read when first asked for.
    lazy = {"METRIC_ORDER": metric_order, "METRIC_NAMES": metric_names, "UNITS": units}
    if name in lazy:
        return lazy[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CHANNEL_NAMES = {"MFN": "seller-fulfilled", "AFN": "fulfilled by Amazon", "ALL": "all orders"}

# Status from worst to best: the scorecard and the report list the worst first.
STATUS_RANK = {"BAD": 0, "WARNING": 1, "GOOD": 2, "NO_TARGET": 3, "NO_DATA": 4}
CONDITIONS = {"LESS_THAN": "<", "GREATER_THAN": ">", "AT_LEAST": ">="}


def metric_name(metric: str) -> str:
    return metric_names().get(metric, metric.replace("_", " ").capitalize())


def metric_rank(metric: str) -> tuple[int, str]:
    order = metric_order()
    return (order.index(metric) if metric in order else len(order), metric)


def status_rank(status: str) -> int:
    return STATUS_RANK.get(status, len(STATUS_RANK))


def marketplace_code(marketplace_id: str) -> str:
    market = MARKETPLACES.get(marketplace_id)
    return market.code if market else marketplace_id


def marketplace_name(marketplace_id: str) -> str:
    """ "United States" for ATVPDKIKX0DER; an unknown id prints as itself."""
    market = MARKETPLACES.get(marketplace_id)
    return market.country if market else marketplace_id


def is_rate(metric: str) -> bool:
    return metric not in units()


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if metric in units():
        return f"{value:.1f}{units()[metric]}"
    return f"{value * 100:.2f}%"


def format_change(metric: str, now: float | None, before: float | None) -> str:
    """The change since `before`, in the value's unit (percentage points for rates); no `-0.00`."""
    if now is None or before is None:
        return ""
    delta = now - before
    if metric in units():
        text = f"{delta:+.1f}"
        unit = units()[metric]
    else:
        text = f"{delta * 100:+.2f}"
        unit = " pp"
    if float(text) == 0:  # -0.004 pp would print as "-0.00": no change worth a sign
        text = text[1:]
    return text + unit


def format_target(metric: str, target: float | None, condition: str | None, warning: float | None = None) -> str:
    """`< 1.00%`, or `>= 6.0 /10 (warn < 8.0)` with a warning level (at most 23 characters)."""
    if target is None:
        return ""
    text = f"{CONDITIONS.get(condition, '?')} {format_value(metric, target)}"
    if warning is not None:
        shown = format_value(metric, warning).removesuffix(units().get(metric, ""))
        text += f" (warn {'>=' if condition == 'LESS_THAN' else '<'} {shown})"
    return text
