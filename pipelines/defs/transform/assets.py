"""The dbt project as Dagster assets: every model downstream of the raw tables, dbt tests as checks.

The manifest is prepared when missing or older than the project's files (`ensure_manifest`), so
`make ui`, `sellerhealth run` and the tests always see the models as they are on disk.
"""

import fcntl
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from pipelines.lib import engine
from pipelines.lib.child import mark_parent
from pipelines.lib.raw_parquet import raw_layer_vars
from pipelines.lib.warehouse import RAW_SCHEMA, ensure_raw_tables
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
    mark_parent()  # `sellerhealth-dbt` checks that its parent is this process
    result = subprocess.run(
        [
            dbt_executable(),
            "--no-use-colors",  # its output ends up in an error message, not on a terminal
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


# dbt's unit tests check the models' logic on hand-worked rows, not the data: `make test` runs them
# (tests/dbt), a run does not (about 30 nodes, 3 s of every night).
RUN_ARGS = ["build", "--exclude", "resource_type:unit_test"]

# A run tagged with this (`sellerhealth run --full-refresh`) rebuilds the incremental models in full.
FULL_REFRESH_TAG = "sellerhealth/full_refresh"
LOADED_THROUGH_COLUMN = "_loaded_through"  # macros/incremental.sql


def full_build_reason(con: duckdb.DuckDBPyConnection, manifest_path: Path) -> str | None:
    """Why the incremental models must be rebuilt in full this time, or None when they need not.

    - rows may have disappeared: a file loaded before was removed or changed (raw.restatements);
    - an incremental model's table predates incremental builds (no `_loaded_through` column);
    - an incremental model's table lacks a column its YAML documents (the model gained a column).
    """
    ensure_raw_tables(con)
    (pending,) = con.execute(f"select count(*) from {RAW_SCHEMA}.restatements where rebuilt_at is null").fetchone()
    if pending:
        export, key = con.execute(
            f"select export, example_key from {RAW_SCHEMA}.restatements where rebuilt_at is null "
            "order by restated_at limit 1"
        ).fetchone()
        return f"{pending} load(s) replaced files loaded before (first: {export}, {key})"
    manifest = json.loads(manifest_path.read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("materialized") != "incremental":
            continue
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [node["schema"], node.get("alias") or node["name"]],
            ).fetchall()
        }
        if columns and LOADED_THROUGH_COLUMN not in columns:
            return f"{node['schema']}.{node['name']} was built before incremental builds"
        # A column added to the model since its table was built: an incremental build would fail
        # (on_schema_change='fail'), a full one adds it.
        missing = sorted(set(node.get("columns", {})) - columns) if columns else []
        if missing:
            return f"{node['schema']}.{node['name']} has no column {missing[0]} yet (the model gained columns)"
    return None


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    # The one setting shared with the ingestion assets: dbt reads WAREHOUSE_PATH in profiles.yml.
    os.environ["WAREHOUSE_PATH"] = str(warehouse.resolved_path())
    spark = engine.is_spark()
    with warehouse.connect() as con:
        checked_at = datetime.now(UTC).replace(tzinfo=None)
        # on Spark every per-order model is a table rebuilt in full (macros/incremental.sql)
        reason = "the Spark engine rebuilds every model" if spark else full_build_reason(con, dbt_project.manifest_path)
    if context.run.tags.get(FULL_REFRESH_TAG) == "true":
        reason = f"the run is tagged {FULL_REFRESH_TAG}"
    args = list(RUN_ARGS)
    if not sys.stderr.isatty():
        # dbt colours its messages whatever the output; Dagster passes them on into plain logs.
        args.insert(0, "--no-use-colors")
    if spark:
        # dbt's `spark` target (profiles.yml) and the Parquet raw layer it registers (macros/raw_layer.sql)
        engine.export_env()
        args += ["--target", "spark", "--vars", json.dumps(raw_layer_vars(engine.raw_path()))]
        context.log.info(f"building the models on Spark ({engine.master_url()})")
    elif reason:
        context.log.info(f"rebuilding every model in full (--full-refresh): {reason}")
        args.append("--full-refresh")
    mark_parent()  # the dbt child dies with this process (pipelines/lib/child.py)
    with run_target(dbt_project) as target:
        invocation = dbt.cli(args, context=context, target_path=target)
        yield from invocation.stream()
        if not spark:
            # the parse of the spark target would make the next DuckDB run parse everything again
            keep_partial_parse(invocation.target_path, dbt_project)
    if reason:
        with warehouse.connect() as con:
            con.execute(
                f"update {RAW_SCHEMA}.restatements set rebuilt_at = ? where rebuilt_at is null and restated_at <= ?",
                [datetime.now(UTC).replace(tzinfo=None), checked_at],
            )


RUN_TARGET_PREFIX = "run-"
LAST_RUN_TARGET = "last_run"
_IN_USE = ".in-use"


@contextmanager
def run_target(project: DbtProject) -> Iterator[Path]:
    """A dbt target folder for one run's build, kept afterwards as `target/last_run` alone.

    dagster-dbt gives every invocation a new folder under `target/` (7.5 MB each: manifest, run
    results, compiled SQL, dbt.log) and never removes it. Here the run's folder holds an flock on
    its `.in-use` file while dbt works; at the end it replaces `target/last_run` (the last run's
    dbt.log and run_results.json, for whoever wants to look). Folders of killed runs, and those of
    the unique-folder scheme, are removed by the next run: ten runs leave the footprint of one.
    """
    root = project.project_dir / "target"
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_targets(root)
    folder = Path(tempfile.mkdtemp(prefix=RUN_TARGET_PREFIX, dir=root))
    fd = os.open(folder / _IN_USE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield folder
    finally:
        last = root / LAST_RUN_TARGET
        old = root / f".old-{folder.name}"
        try:
            if last.exists():
                os.replace(last, old)
            os.replace(folder, last)
        except OSError:
            # Another run (same project, another warehouse) swapped its folder in meanwhile: it wins.
            shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        os.close(fd)


def remove_stale_targets(root: Path) -> list[Path]:
    """Delete the run target folders under `root` that no living run holds; return them."""
    removed = []
    for folder in root.iterdir():
        if folder.is_symlink() or not folder.is_dir():
            continue
        if not folder.name.startswith((RUN_TARGET_PREFIX, "dbt_models-", ".old-")):
            continue
        marker = folder / _IN_USE
        if marker.exists():
            fd = os.open(marker, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a run is building in it
            finally:
                os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def keep_partial_parse(run_target: Path, project: DbtProject) -> None:
    """Keep the run's parsed project for the next run, as `dbt` itself does in one target folder.

    dagster-dbt gives every invocation its own target folder, seeded with the project's
    `target/partial_parse.msgpack`, but never copies the refreshed file back. That file was written
    by `dbt parse` for whatever WAREHOUSE_PATH was set then; dbt reparses everything (about 4 s)
    when the profile differs, so without this every run reparsed the whole project.
    """
    fresh = run_target / "partial_parse.msgpack"
    if not fresh.exists():
        return
    kept = project.project_dir / "target" / "partial_parse.msgpack"
    tmp = kept.with_suffix(".tmp")
    shutil.copyfile(fresh, tmp)
    os.replace(tmp, kept)


class SellerHealthDbtCliResource(DbtCliResource):
    """`DbtCliResource` without two start-up costs of every run that sellerhealth does not use.

    - It asks `dbt --version` for the version (a Python process that imports dbt, about 1.5 s):
      the `dbt` it runs is the one installed beside this Python, so the package metadata says it.
    - It opens a dbt adapter inside the run's process (about 2.5 s) only to fetch row counts and
      column metadata on request (`fetch_row_counts()`, `fetch_column_metadata()`), which no asset
      here asks for.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if self.dbt_executable == dbt_executable() and Path(self.dbt_executable).is_absolute():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return SellerHealthDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
