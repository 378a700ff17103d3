"""The metric catalogue (dbt_project/seeds/metric_catalog.csv) agrees with every copy of its words.

The series a metric model declares (its `{'metric': ..., 'window_days': ..., 'lag_days': ...}`
list, in the model or in macros/lagged_metrics.sql), the int_metric_* models, the union list of
int_metric_values.sql and the targets seed must all name the catalogue's metrics, channels,
windows and lags; a copy that drifts fails here with the metric's name.
"""

from __future__ import annotations

import ast
import csv
import re
from pathlib import Path

import pytest

from pipelines.lib.metric_catalog import CatalogError, catalog, read_catalog, series
from pipelines.lib.metric_names import METRIC_ORDER, format_value, metric_name

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
METRICS = DBT / "models" / "intermediate" / "metrics"
NOT_METRIC_MODELS = {"int_metric_values", "int_metric_outlook_values"}
SERIES_ITEM = re.compile(
    r"\{'metric': '[a-z0-9_]+', 'fulfillment_channel': '[A-Z]+', 'window_days': \d+, 'lag_days': \d+\}"
)


def _declared_series() -> set[tuple[str, str, int, int]]:
    """(metric, channel, window, lag) of every series written in the metric models and the lagged-metrics macro."""
    files = [p for p in METRICS.glob("int_metric_*.sql") if p.stem not in NOT_METRIC_MODELS]
    files.append(DBT / "macros" / "lagged_metrics.sql")
    found = set()
    for path in files:
        for text in SERIES_ITEM.findall(path.read_text()):
            item = ast.literal_eval(text)
            found.add((item["metric"], item["fulfillment_channel"], item["window_days"], item["lag_days"]))
    return found


def test_every_series_written_in_sql_is_in_the_catalogue_and_back():
    in_catalogue = {(e.metric, c, w, e.lag_days) for e in catalog() for c, w in e.series}
    assert _declared_series() == in_catalogue
    assert len(series()) == 26  # the metrics of docs/metrics.md: 5 x 2 channels + 16 more series


def test_every_metric_model_has_a_catalogue_row_and_back():
    models = {p.stem.removeprefix("int_metric_") for p in METRICS.glob("int_metric_*.sql")} - {
        m.removeprefix("int_metric_") for m in NOT_METRIC_MODELS
    }
    assert models == {e.metric for e in catalog()}


def test_int_metric_values_unions_exactly_the_catalogue():
    text = (METRICS / "int_metric_values.sql").read_text()
    listed = re.search(r"set metrics = \[(.*?)\]", text, re.S).group(1)
    assert re.findall(r"'([a-z0-9_]+)'", listed) == [e.metric for e in catalog()]


def test_targets_name_catalogue_metrics_only():
    with (DBT / "seeds" / "metric_targets.csv").open() as handle:
        targeted = {row["metric"] for row in csv.DictReader(handle)}
    assert targeted <= {e.metric for e in catalog()}


def test_report_and_scorecard_words_come_from_the_catalogue(tmp_path):
    assert METRIC_ORDER[:3] == ("odr", "odr_long", "negative_feedback_rate")
    assert metric_name("response_within_24h_rate") == "Replies within 24 hours"
    assert format_value("customer_service_rating", 7.25) == "7.2 /10"
    assert format_value("late_shipment_rate", 0.04) == "4.00%"


def test_a_bad_catalogue_row_is_named_by_file_line_and_column(tmp_path):
    path = tmp_path / "metric_catalog.csv"
    good = (DBT / "seeds" / "metric_catalog.csv").read_text().splitlines()
    path.write_text("\n".join([*good[:3], "refund_rate,ALL,thirty,0,fraction,17,Refund rate,x", *good[3:]]) + "\n")
    with pytest.raises(CatalogError, match=r"metric_catalog\.csv, line 4, column windows: 'thirty'"):
        read_catalog(path)
    path.write_text("\n".join([*good, "refund_rate,FBA,30,0,fraction,17,Refund rate,x"]) + "\n")
    with pytest.raises(CatalogError, match=r"line 18, column channels: 'FBA'"):
        read_catalog(path)
