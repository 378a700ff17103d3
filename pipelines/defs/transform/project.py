"""The dbt project as Dagster sees it, and the build step that prepares its manifest.

The manifest (`dbt_project/target/manifest.json`) is a build artifact, as in Dagster's own dbt
examples: `make install` prepares it with `dagster-dbt project prepare-and-package --file
pipelines/defs/transform/project.py` (again whenever a file of the dbt project changed), and
`dagster dev` (`make ui`) prepares it on every load (`prepare_if_dev`). Importing the definitions
reads it; it never runs dbt.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
PREPARE_COMMAND = ".venv/bin/dagster-dbt project prepare-and-package --file pipelines/defs/transform/project.py"


# `dbt parse` runs the `dbt` on PATH: the Makefile puts .venv/bin first for `make install` and `make ui`.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


class ManifestMissing(RuntimeError):
    """The dbt manifest has not been prepared."""


def manifest_path(project: DbtProject = dbt_project) -> Path:
    """The prepared manifest; a clear error naming the build step when there is none."""
    if not project.manifest_path.exists():
        raise ManifestMissing(
            f"no dbt manifest at {project.manifest_path}: prepare it with `make install` "
            f"(or `{PREPARE_COMMAND}`), and again after changing the dbt project"
        )
    return project.manifest_path
