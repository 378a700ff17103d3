"""One home for the settings: `Settings`, docs/configuration.md and dbt's profiles.yml say the same.

Also: a setting is read when a run starts, and reaches dbt through dbt's own environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.lib.child import launcher_flags, split_launcher_flags
from pipelines.settings import ConfigurationError, Settings
from tests.conftest import REPO

DBT = REPO / "dbt_project"


def _settings_table() -> dict[str, str]:
    """variable -> default cell, from the settings table of docs/configuration.md."""
    text = (REPO / "docs" / "configuration.md").read_text()
    table = text[text.index("## Settings") :]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            for variable in re.findall(r"`([A-Z_]+)`", cells[0]):
                rows[variable] = cells[2]
    return rows


def test_every_setting_is_documented_with_its_default():
    documented = _settings_table()
    missing = sorted(set(Settings.variables()) - set(documented))
    assert missing == []
    for variable, default in Settings.variables().items():
        if default:  # an empty default is described in words (unset, beside the warehouse, ...)
            assert f"`{default}`" in documented[variable], (variable, default, documented[variable])
    # and the table names no setting the code does not read (DAGSTER_HOME is Dagster's own)
    assert sorted(set(documented) - set(Settings.variables()) - {"DAGSTER_HOME"}) == []


def test_the_defaults_are_those_of_the_docs_worked_by_hand():
    settings = Settings.from_env({})
    assert settings.warehouse_path == "warehouse/seller_health.duckdb"
    assert settings.duckdb_memory_limit == "2GB"
    assert settings.load_memory_limit == "512MB"
    assert (settings.nightly_hour, settings.timezone, settings.first_day) == ("2", "UTC", "2025-01-01")
    assert settings.engine_name() == "duckdb"


def test_profiles_yml_reads_the_same_variables_with_the_same_defaults(monkeypatch):
    """dbt run by hand from dbt_project/ and the pipeline run from the repository see the same files."""
    monkeypatch.chdir(REPO)
    python = Settings.from_env({})
    as_python_sees_it = {
        "WAREHOUSE_PATH": python.warehouse(),
        "SELLERHEALTH_SPARK_DIR": python.spark_folder(),
    }
    profile = (DBT / "profiles.yml").read_text()
    used = re.findall(r"env_var\('([A-Z_]+)', '([^']*)'\)", profile)
    assert {name for name, _ in used} >= {"WAREHOUSE_PATH", "SELLERHEALTH_DUCKDB_MEMORY_LIMIT", "SELLERHEALTH_ENGINE"}
    for name, default in used:
        assert name in Settings.variables(), name
        if name in as_python_sees_it:
            assert (DBT / default).resolve() == as_python_sees_it[name], name
        else:
            assert default == Settings.variables()[name], name


def test_blank_means_the_default_and_values_are_kept_as_given(tmp_path):
    settings = Settings.from_env(
        {"WAREHOUSE_PATH": str(tmp_path / "w.duckdb"), "SELLERHEALTH_DUCKDB_MEMORY_LIMIT": "  ", "SPARK_MASTER_URL": ""}
    )
    assert settings.warehouse() == tmp_path / "w.duckdb"
    assert settings.duckdb_memory_limit == "2GB"
    assert settings.published_warehouse() == tmp_path / "seller_health_published.duckdb"
    assert settings.spark_folder() == tmp_path / "spark"
    assert settings.raw_folder() == tmp_path / "spark" / "raw"


def test_a_wrong_value_names_the_variable():
    with pytest.raises(ConfigurationError, match="SELLERHEALTH_ENGINE='flink'"):
        Settings.from_env({"SELLERHEALTH_ENGINE": "flink"}).engine_name()
    with pytest.raises(ConfigurationError, match="SELLER_EXPORTS_BUCKET"):
        Settings.from_env({}).bucket()
    with pytest.raises(ConfigurationError, match="SELLERHEALTH_DBT_THREADS='two' is not a number of threads"):
        Settings.from_env({"SELLERHEALTH_DBT_THREADS": "two"}).dbt_env()
    with pytest.raises(ConfigurationError, match="SELLERHEALTH_DBT_THREADS='0'.*set it to auto or to 1 or more"):
        Settings.from_env({"SELLERHEALTH_DBT_THREADS": "0"}).dbt_env()
    with pytest.raises(ValueError, match="SELLERHEALTH_FIRST_DAY='June' is not a date"):
        Settings.from_env({"SELLERHEALTH_FIRST_DAY": "June"}).first_partition()


def test_a_number_of_dbt_threads_is_kept_for_every_build():
    for full_build in (False, True):
        assert Settings.from_env({"SELLERHEALTH_DBT_THREADS": "3"}).dbt_thread_count(full_build) == "3"
        assert Settings.from_env({"SELLERHEALTH_DBT_THREADS": " 4 "}).dbt_thread_count(full_build) == "4"
        assert Settings.from_env({"SELLERHEALTH_DBT_THREADS": " AUTO "}).dbt_thread_count(full_build) == (
            "1" if full_build else "2"
        )


def test_dbt_gets_the_run_settings_as_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    duckdb_run = Settings.from_env({"WAREHOUSE_PATH": "w/s.duckdb", "SELLERHEALTH_DUCKDB_MEMORY_LIMIT": "1GB"})
    assert duckdb_run.dbt_env() == {
        "SELLERHEALTH_ENGINE": "duckdb",
        "WAREHOUSE_PATH": str(tmp_path / "w" / "s.duckdb"),
        "SELLERHEALTH_DUCKDB_MEMORY_LIMIT": "1GB",
        "SELLERHEALTH_DBT_THREADS": "2",
    }
    # auto (the default): one model at a time when the build makes the per-record tables whole
    assert duckdb_run.dbt_env(full_build=True)["SELLERHEALTH_DBT_THREADS"] == "1"
    spark_run = Settings.from_env({"WAREHOUSE_PATH": "w/s.duckdb", "SELLERHEALTH_ENGINE": "Spark"}).dbt_env()
    assert spark_run["SELLERHEALTH_ENGINE"] == "spark"
    assert spark_run["SELLERHEALTH_SPARK_DIR"] == str(tmp_path / "w" / "spark")
    assert spark_run["SELLERHEALTH_RAW_PATH"] == str(tmp_path / "w" / "spark" / "raw")
    assert spark_run["SPARK_MASTER_URL"] == "local[*]"


def test_the_dbt_launcher_passes_variables_to_dbt_alone():
    flags = launcher_flags({"WAREHOUSE_PATH": "/data/a=b.duckdb"})
    env, args = split_launcher_flags([*flags, "--no-use-colors", "build", "--vars", '{"a": 1}'])
    assert env["WAREHOUSE_PATH"] == "/data/a=b.duckdb"
    assert env["SELLERHEALTH_PARENT_PID"].isdigit()
    assert args == ["--no-use-colors", "build", "--vars", '{"a": 1}']


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SELLERHEALTH_NIGHTLY")}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env={**environ, **env}, capture_output=True, text=True, timeout=300
    )


def test_importing_the_definitions_reads_no_setting_and_runs_no_dbt():
    """A wrong schedule hour does not break an import, nor `sellerhealth run`; the code location's load names it."""
    imported = _python(
        "import pipelines.definitions, pipelines.cli, pipelines.report, pipelines.scorecard; print('ok')",
        SELLERHEALTH_NIGHTLY_HOUR="25",
        SELLERHEALTH_FIRST_DAY="June",
        SELLERHEALTH_ENGINE="flink",
    )
    assert imported.returncode == 0 and imported.stdout.strip() == "ok", imported.stderr[-2000:]
    loaded = _python(
        "from pipelines.definitions import load_definitions; load_definitions()", SELLERHEALTH_NIGHTLY_HOUR="25"
    )
    assert loaded.returncode != 0 and "SELLERHEALTH_NIGHTLY_HOUR='25'" in loaded.stderr


def test_a_wrong_schedule_hour_does_not_stop_a_run(tmp_path):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sellerhealth"), "run", "--start", "2026-03-04", "--end", "2026-03-04"],
        cwd=REPO,
        env={
            "PATH": str(Path(sys.executable).parent),
            "SELLERHEALTH_NIGHTLY_HOUR": "25",
            "WAREHOUSE_PATH": str(tmp_path / "w.duckdb"),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    # it gets as far as the first setting a run needs: the bucket
    assert done.returncode == 2, done.stderr[-2000:]
    assert "SELLER_EXPORTS_BUCKET" in done.stderr and "NIGHTLY" not in done.stderr
