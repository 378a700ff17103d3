"""The README's "Adding a metric of your own", followed to the letter on a scratch copy of the project.

refund_rate: orders refunded on or before D / orders, all channels, by purchase day, 30 days, no
lag, target LESS_THAN 0.05. The raw data is the hand-made dataset of test_dbt_build plus one
return request: O1 (bought 03-01) refunded on 03-04. Worked by hand: orders in the window on
02-28 and 02-29 (2024 is a leap year) are O3 (1), on 03-01 O3 and O1 (2), from 03-02 also O2
(3); O1 counts as refunded from 03-04. So 0/1, 0/1, 0/2, 0/3, 0/3, then 1/3 on 03-04, 03-05 and
03-06, status BAD on those days (1/3 is not below 0.05) and GOOD before.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb

from tests.dbt.test_dbt_build import PROJECT_DIR, _dbt_executable, _insert, _load_hand_made_dataset, _ts

METRICS_DIR = Path("models") / "intermediate" / "metrics"

# 1. The model: a copy of int_metric_cancel_rate.sql with its series and its event column changed.
REFUND_MODEL = """\
-- refund_rate: orders refunded on or before D / orders, all channels, by purchase day, 30 days.
{%- set series = [
    {'metric': 'refund_rate', 'fulfillment_channel': 'ALL', 'window_days': 30, 'lag_days': 0},
] %}

{{ order_event_rate(series, 'refund_day') }}
"""

# 4. The unit test, worked on paper: window 02-06..03-06 holds A, B and C; only A is refunded.
REFUND_UNIT_TEST = """\
version: 2

models:
  - name: int_metric_refund_rate
    description: "refund_rate: orders refunded on or before D / orders, by purchase day, 30 days, no lag."

unit_tests:
  - name: int_metric_refund_rate_one_of_three
    description: >
      On 03-06 the window is 02-06..03-06: three orders (bought 03-01, 02-06, 03-06) are in it, the
      first refunded on 03-02, the third only on 03-07; the one bought on 02-05 is out.
    model: int_metric_refund_rate
    given:
    - input: ref('int_seller_marketplace_days')
      rows:
        - {seller_id: S, marketplace_id: M, as_of_date: 2024-03-06}
    - input: ref('int_order_events')
      rows:
        - {seller_id: S, marketplace_id: M, fulfillment_channel: MFN, purchase_day: 2024-03-01, refund_day: 2024-03-02}
        - {seller_id: S, marketplace_id: M, fulfillment_channel: AFN, purchase_day: 2024-02-06, refund_day: null}
        - {seller_id: S, marketplace_id: M, fulfillment_channel: MFN, purchase_day: 2024-03-06, refund_day: 2024-03-07}
        - {seller_id: S, marketplace_id: M, fulfillment_channel: MFN, purchase_day: 2024-02-05, refund_day: 2024-02-06}
    expect:
      rows:
        - {as_of_date: 2024-03-06, metric: refund_rate, fulfillment_channel: ALL, numerator: 1, denominator: 3}
"""


def _scratch_project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def _add_refund_rate(project: Path, *, list_in_int_metric_values: bool = True) -> None:
    (project / METRICS_DIR / "int_metric_refund_rate.sql").write_text(REFUND_MODEL)
    # 2. One catalogue row.
    with (project / "seeds" / "metric_catalog.csv").open("a") as catalog:
        catalog.write("refund_rate,ALL,30,0,fraction,17,Refund rate,Share of orders refunded\n")
    # 3. One target row.
    with (project / "seeds" / "metric_targets.csv").open("a") as targets:
        targets.write("ALL,refund_rate,LESS_THAN,0.05,\n")
    (project / METRICS_DIR / "int_metric_refund_rate.yml").write_text(REFUND_UNIT_TEST)
    # 5. Its name in the list at the top of int_metric_values.sql.
    if list_in_int_metric_values:
        values = project / METRICS_DIR / "int_metric_values.sql"
        text = values.read_text()
        last = "    'order_quality_score',\n"
        assert last in text
        values.write_text(text.replace(last, last + "    'refund_rate',\n"))


def _warehouse_with_a_refund(path: Path) -> None:
    _load_hand_made_dataset(path)
    with duckdb.connect(str(path)) as con:
        _insert(
            con,
            "return_requests",
            [
                {
                    "dt": date(2024, 3, 4),
                    "rma_id": "R1",
                    "amazon_order_id": "O1",
                    "requested_at": _ts("2024-03-03 09:00"),
                    "in_policy": "Y",
                    "responded_at": _ts("2024-03-03 12:00"),
                    "response": "APPROVED",
                    "refunded_at": _ts("2024-03-04 10:00"),
                    "refunded_amount": 20.0,
                    "currency": "USD",
                    "last_updated_at": _ts("2024-03-04 10:00"),
                }
            ],
        )


def _build(project: Path, warehouse: Path, work_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--select",
            "+seller_metrics_daily",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=dict(os.environ, WAREHOUSE_PATH=str(warehouse)),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_a_metric_added_by_the_recipe_reaches_the_scorecard(tmp_path):
    project = _scratch_project(tmp_path)
    _add_refund_rate(project)
    warehouse = tmp_path / "seller_health.duckdb"
    _warehouse_with_a_refund(warehouse)

    result = _build(project, warehouse, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "int_metric_refund_rate_one_of_three" in result.stdout  # the recipe's unit test ran

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(
            """
            select as_of_date, fulfillment_channel, window_days, numerator, denominator, target, status
            from marts.seller_metrics_daily where metric = 'refund_rate' order by as_of_date
            """
        ).fetchall()
    days = [date(2024, 2, 28), date(2024, 2, 29), date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)]
    expected = [(d, "ALL", 30, 0.0, n, 0.05, "GOOD") for d, n in zip(days, (1, 1, 2, 3, 3), strict=True)]
    expected += [(date(2024, 3, d), "ALL", 30, 1.0, 3, 0.05, "BAD") for d in (4, 5, 6)]
    assert rows == expected


def test_a_metric_model_missing_from_the_union_list_stops_the_build_saying_where(tmp_path):
    project = _scratch_project(tmp_path)
    _add_refund_rate(project, list_in_int_metric_values=False)
    warehouse = tmp_path / "seller_health.duckdb"
    _warehouse_with_a_refund(warehouse)

    result = _build(project, warehouse, tmp_path)
    assert result.returncode != 0
    assert "'refund_rate' is missing from the list at the top of int_metric_values.sql" in result.stdout
