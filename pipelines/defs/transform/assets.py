"""The dbt project as Dagster assets: every model downstream of the raw tables, dbt tests as checks.

The manifest is a build artifact (pipelines/defs/transform/project.py): `make install` prepares it,
`make ui` on every load. The dbt command of a run is `dbt_invocation` (invocation.py); the run's
settings reach dbt's profile through dbt's own environment (`Settings.dbt_env`).
"""

import fcntl
import importlib.metadata
import json
import os
import shutil
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

from pipelines.defs.transform.invocation import FULL_REFRESH_TAG, RUN_ARGS, dbt_invocation
from pipelines.defs.transform.project import DBT_PROJECT_DIR, dbt_project, manifest_path
from pipelines.lib import warm_dbt
from pipelines.lib.child import dbt_executable, launcher_flags
from pipelines.lib.layout import EXPORTS
from pipelines.lib.raw_parquet import raw_layer_vars
from pipelines.lib.warehouse import RAW_SCHEMA, ensure_raw_tables
from pipelines.resources import Warehouse
from pipelines.settings import SPARK

__all__ = ["DBT_PROJECT_DIR", "FULL_REFRESH_TAG", "RUN_ARGS", "dbt_models", "dbt_project"]


class SellerHealthTranslator(DagsterDbtTranslator):
    """Groups models by layer (staging, intermediate, marts); sources keep keys like raw/orders."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            fqn = dbt_resource_props.get("fqn", [])
            return fqn[1] if len(fqn) > 2 else "seeds" if dbt_resource_props["resource_type"] == "seed" else None
        return super().get_group_name(dbt_resource_props)


translator = SellerHealthTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

LOADED_THROUGH_COLUMN = "_loaded_through"  # macros/incremental.sql


def incremental_models(manifest_path: Path) -> list[tuple[str, str, list[str]]]:
    """(schema, table, documented columns) of every incremental model of the manifest, read once a run."""
    manifest = json.loads(manifest_path.read_text())
    return [
        (node["schema"], node.get("alias") or node["name"], list(node.get("columns", {})))
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    ]


def full_build_reason(con: duckdb.DuckDBPyConnection, models: list[tuple[str, str, list[str]]]) -> str | None:
    """Why the incremental `models` must be rebuilt in full this time, or None when they need not.

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
    for schema, table, documented in models:
        columns = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        if columns and LOADED_THROUGH_COLUMN not in columns:
            return f"{schema}.{table} was built before incremental builds"
        # A column added to the model since its table was built: an incremental build would fail
        # (on_schema_change='fail'), a full one adds it.
        missing = sorted(set(documented) - columns) if columns else []
        if missing:
            return f"{schema}.{table} has no column {missing[0]} yet (the model gained columns)"
    return None


# A judgement, not a measured edge: one thread bought 8 to 17 s on a year's first build (16
# million raw rows); a small build is mostly per-model overhead, which two threads spread.
ONE_THREAD_FROM_ROWS = 1_000_000


def raw_rows(con: duckdb.DuckDBPyConnection) -> int:
    """The rows of the exports' raw tables, as DuckDB estimates them (no scan)."""
    (rows,) = con.execute(
        "select coalesce(sum(estimated_size), 0) from duckdb_tables() where schema_name = ? "
        "and table_name in (select unnest(?))",
        [RAW_SCHEMA, list(EXPORTS)],
    ).fetchone()
    return int(rows)


def tables_not_built_yet(con: duckdb.DuckDBPyConnection, models: list[tuple[str, str, list[str]]]) -> list[str]:
    """The incremental `models` that have no table yet: this build makes them whole (a first run)."""
    existing = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return sorted(f"{schema}.{table}" for schema, table, _ in models if (schema, table) not in existing)


@dbt_assets(manifest=manifest_path(), project=dbt_project, dagster_dbt_translator=translator)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    settings = warehouse.settings()  # read once, when the run's resources were set up
    spark = settings.engine_name() == SPARK
    checked_at = datetime.now(UTC).replace(tzinfo=None)
    reason, not_built, rows = None, [], 0
    if not spark:
        with warehouse.connect() as con:
            models = incremental_models(dbt_project.manifest_path)
            reason = full_build_reason(con, models)
            not_built = tables_not_built_yet(con, models)
            rows = raw_rows(con)
    invocation = dbt_invocation(
        engine=settings.engine_name(),
        tags=context.run.tags,
        full_build_reason=reason,
        tty=sys.stderr.isatty(),
        raw_layer_vars=raw_layer_vars(settings.raw_folder()) if spark else None,
    )
    if spark:
        context.log.info(f"building the models on Spark ({settings.spark_master_url})")
    elif invocation.full_build_reason:
        context.log.info(f"rebuilding every model in full (--full-refresh): {invocation.full_build_reason}")
    # The one setting shared with the ingestion assets, WAREHOUSE_PATH, and the rest of the profile's
    # variables, resolved as this run resolved them; the dbt child dies with this process.
    # A large full build runs one model at a time under SELLERHEALTH_DBT_THREADS=auto (settings.py).
    whole = bool(invocation.full_build_reason or not_built)
    large_full_build = whole and rows >= ONE_THREAD_FROM_ROWS
    env = {**settings.dbt_env(full_build=large_full_build), "WAREHOUSE_PATH": str(warehouse.resolved_path())}
    if not spark:
        kind = (
            "a full build (--full-refresh)"
            if invocation.full_build_reason
            else f"the first build of {len(not_built)} incremental model(s)"
            if not_built
            else "an incremental build"
        )
        context.log.info(
            f"dbt builds {env['SELLERHEALTH_DBT_THREADS']} model(s) at once: {kind} over {rows:,} raw rows "
            f"(SELLERHEALTH_DBT_THREADS={settings.dbt_threads})"
        )
    warehouse.release()  # dbt's process opens the file next: the loads' connection must be closed
    with run_target(dbt_project) as target:
        running = with_launcher_env(dbt, env).cli(list(invocation.args), context=context, target_path=target)
        yield from running.stream()
        if not spark:
            # the parse of the spark target would make the next DuckDB run parse everything again
            keep_partial_parse(running.target_path, dbt_project)
    if invocation.full_build_reason:
        with warehouse.connect() as con:
            con.execute(
                f"update {RAW_SCHEMA}.restatements set rebuilt_at = ? where rebuilt_at is null and restated_at <= ?",
                [datetime.now(UTC).replace(tzinfo=None), checked_at],
            )


def with_launcher_env(dbt: DbtCliResource, env: Mapping[str, str]) -> DbtCliResource:
    """`dbt` whose process gets `env` (through `sellerhealth-dbt`'s flags, pipelines/lib/child.py)."""
    return SellerHealthDbtCliResource(
        project_dir=dbt_project,
        dbt_executable=dbt.dbt_executable,
        global_config_flags=[*launcher_flags({**env, **warm_dbt.claim()}), *dbt.global_config_flags],
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

    And it starts the run's dbt process when the run begins (pipelines/lib/warm_dbt.py), so the
    build's dbt has imported dbt by the time the exports are loaded.
    """

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        warm_dbt.start()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        outcome = warm_dbt.stop()
        if outcome and context.log:
            context.log.info(outcome)

    @cached_property
    def _cli_version(self) -> version.Version:
        if self.dbt_executable == dbt_executable() and Path(self.dbt_executable).is_absolute():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return SellerHealthDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())
