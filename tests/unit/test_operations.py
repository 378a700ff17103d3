"""Operations: where the partitions start, and the descriptions the Dagster UI shows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pipelines.partitions import first_partition
from tests.conftest import REPO


def test_partitions_start_near_the_data_unless_a_setting_says_otherwise():
    assert first_partition({}) == "2025-01-01"
    assert first_partition({"SELLERHEALTH_FIRST_DAY": "2023-06-01"}) == "2023-06-01"
    with pytest.raises(ValueError, match="SELLERHEALTH_FIRST_DAY='June' is not a date"):
        first_partition({"SELLERHEALTH_FIRST_DAY": "June"})


def test_the_run_job_partitions_follow_the_setting():
    env = {k: v for k, v in os.environ.items() if k != "SELLERHEALTH_FIRST_DAY"}
    code = (
        "from pipelines.definitions import defs, RUN_JOB_NAME; "
        "print(defs.resolve_job_def(RUN_JOB_NAME).partitions_def.get_first_partition_key())"
    )
    default = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True)
    assert default.stdout.strip() == "2025-01-01", default.stderr[-2000:]
    moved = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SELLERHEALTH_FIRST_DAY": "2024-02-01"},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert moved.stdout.strip() == "2024-02-01", moved.stderr[-2000:]


def test_the_job_schedule_and_sensor_say_what_they_do():
    from pipelines.definitions import RUN_JOB_NAME, defs

    job = defs.resolve_job_def(RUN_JOB_NAME)
    assert "ingest" in job.description and "publish" in job.description
    assert defs.schedules and defs.sensors
    for trigger in [*defs.schedules, *defs.sensors]:
        assert trigger.description and len(trigger.description) > 40, trigger.name
