"""The dbt project as Dagster assets: every model downstream of the raw tables, dbt tests as checks.

The manifest is prepared when missing or older than the project's files (`ensure_manifest`), so
`make ui`, `sellerhealth run` and the tests always see the models as they are on disk.
"""

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from pipelines.resources import REPO_ROOT, Warehouse, dbt_executable

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_FILES:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    return newest


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Run `dbt parse` when the manifest is missing or older than a project file; return its path."""
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project.project_dir):
        return manifest
    result = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return manifest


class SellerHealthTranslator(DagsterDbtTranslator):
    """Groups models by layer (staging, intermediate, marts); sources keep keys like raw/orders."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            fqn = dbt_resource_props.get("fqn", [])
            return fqn[1] if len(fqn) > 2 else "seeds" if dbt_resource_props["resource_type"] == "seed" else None
        return super().get_group_name(dbt_resource_props)


translator = SellerHealthTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    # The one setting shared with the ingestion assets: dbt reads WAREHOUSE_PATH in profiles.yml.
    os.environ["WAREHOUSE_PATH"] = str(warehouse.resolved_path())
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
