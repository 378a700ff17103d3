"""The dbt command of a run, as a pure function of what the run knows (tested table by table).

Inputs: the engine, whether the run is tagged for a full refresh, why the incremental models must
be rebuilt (`full_build_reason`, or None), whether the output is a terminal, and the raw layer's
location on Spark. Output: dbt's arguments, and why the build is a full one (for the run's log).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.settings import SPARK

# dbt's unit tests check the models' logic on hand-worked rows, not the data: `make test` runs them
# (tests/dbt), a run does not (about 30 nodes, 3 s of every night).
RUN_ARGS = ("build", "--exclude", "resource_type:unit_test")

# A run tagged with this (`sellerhealth run --full-refresh`) rebuilds the incremental models in full.
FULL_REFRESH_TAG = "sellerhealth/full_refresh"
SPARK_REBUILDS = "the Spark engine rebuilds every model"


@dataclass(frozen=True)
class DbtInvocation:
    args: tuple[str, ...]
    full_build_reason: str | None  # why every model is rebuilt in full, None for an incremental build


def dbt_invocation(
    *,
    engine: str,
    tags: Mapping[str, str],
    full_build_reason: str | None = None,
    tty: bool = False,
    raw_layer_vars: Mapping[str, Any] | None = None,
) -> DbtInvocation:
    """The dbt arguments of a run's build.

    - the run's tag `sellerhealth/full_refresh=true` wins over any other reason;
    - on Spark every per-order model is a table rebuilt in full (macros/incremental.sql): the
      `spark` target and the raw layer's location as `--vars`, never `--full-refresh`;
    - on DuckDB a reason (files restated, a model that gained columns) adds `--full-refresh`;
    - dbt colours its messages whatever the output: `--no-use-colors` unless it is a terminal.
    """
    spark = engine == SPARK
    reason = SPARK_REBUILDS if spark else full_build_reason
    if tags.get(FULL_REFRESH_TAG) == "true":
        reason = f"the run is tagged {FULL_REFRESH_TAG}"
    args = [] if tty else ["--no-use-colors"]
    args += RUN_ARGS
    if spark:
        args += ["--target", "spark", "--vars", json.dumps(dict(raw_layer_vars or {}))]
    elif reason:
        args.append("--full-refresh")
    return DbtInvocation(tuple(args), reason)
