"""The manifest Dagster reads follows the dbt project: `sellerhealth run` prepares it again when a
model changed since `make install` prepared it (docs/operations.md), so an analyst's new model is
part of the next run without a build step in between."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.defs.transform.project import manifest_is_stale, prepare_if_stale
from tests.dbt.test_dbt_build import PROJECT_DIR


def _models(project: DbtProject) -> set[str]:
    nodes = json.loads(project.manifest_path.read_text())["nodes"].values()
    return {node["name"] for node in nodes if node["resource_type"] == "model"}


def test_a_new_model_reaches_the_manifest_at_the_next_run_and_only_then(tmp_path: Path):
    copy = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    project = DbtProject(project_dir=copy, profiles_dir=copy)

    assert manifest_is_stale(project)  # never prepared
    assert prepare_if_stale(project) is True
    assert "seller_metrics_daily" in _models(project)
    assert not manifest_is_stale(project)
    assert prepare_if_stale(project) is False  # nothing changed: no dbt parse

    new_model = copy / "models" / "marts" / "analyst_scratch.sql"
    new_model.write_text("select 1 as answer\n")
    later = project.manifest_path.stat().st_mtime + 5
    os.utime(new_model, (later, later))
    assert manifest_is_stale(project)
    assert "analyst_scratch" not in _models(project)
    assert prepare_if_stale(project) is True
    assert "analyst_scratch" in _models(project)


_PREPARE_AND_READ = """
import json, sys
from dagster_dbt import DbtProject
from pipelines.defs.transform.project import prepare_if_stale
project = DbtProject(project_dir=sys.argv[1], profiles_dir=sys.argv[1])
ran = prepare_if_stale(project)
nodes = json.loads(project.manifest_path.read_text())["nodes"]  # the whole file, as the definitions read it
print("parsed" if ran else "found it prepared", len(nodes))
"""


def test_runs_started_together_parse_once_and_read_a_whole_manifest(tmp_path: Path):
    """Two runs from one checkout after a change (two warehouses, or both engines as in the Spark
    suite) used to parse at once, and one read the manifest while the other wrote it."""
    import subprocess
    import sys

    copy = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _PREPARE_AND_READ, str(copy)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err[-2000:] for _, err in outcomes]
    said = sorted(out.split()[0] for out, _ in outcomes)
    assert said == ["found", "found", "parsed"]  # one dbt parse; the others waited and read its manifest
    assert len({out.split()[-1] for out, _ in outcomes}) == 1  # the same nodes for all three
