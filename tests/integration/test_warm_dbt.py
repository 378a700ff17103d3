"""The run's waiting dbt process (pipelines/lib/warm_dbt.py) with real dbt on a small project.

`sellerhealth-dbt` given the waiting process's socket must behave as the `dbt` it replaces: the
same output, exit code, environment and folder; signals reach dbt; a launcher killed mid-build
takes dbt with it, so the warehouse is free; and with no waiting process it runs dbt itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.lib import warm_dbt
from pipelines.lib.warm_dbt import SOCKET_VARIABLE
from tests.robustness.test_faults import alive

LAUNCHER = str(Path(sys.executable).parent / "sellerhealth-dbt")

PROJECT = {
    "dbt_project.yml": 'name: warm_probe\nversion: "1.0"\nprofile: warm_probe\nmacro-paths: ["macros"]\n',
    "profiles.yml": (
        "warm_probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('PROBE_DB') }}\"\n"
    ),
    "macros/probe.sql": (
        "{% macro probe() %}{{ print('mark=' ~ env_var('PROBE_MARK')) }}"
        "{% do run_query('create table if not exists probed as select 1 as x') %}{% endmacro %}\n"
        "{% macro fail() %}{{ exceptions.raise_compiler_error('the probe failed on purpose') }}{% endmacro %}\n"
        "{% macro slow() %}{{ print('slow started') }}"
        "{% for i in range(1000000) %}{% do run_query('select ' ~ i) %}{% endfor %}{% endmacro %}\n"
    ),
}


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "probe"
    for name, text in PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def waiting():
    started = warm_dbt.start()
    assert started is not None
    yield started
    warm_dbt.stop()


def _env(project: Path, mark: str) -> dict[str, str]:
    return {**os.environ, "PROBE_DB": str(project / "probe.duckdb"), "PROBE_MARK": mark, "NO_COLOR": "1"}


def _launch(project: Path, macro: str, socket: str | None, mark: str = "m") -> subprocess.Popen:
    """`sellerhealth-dbt run-operation <macro>` in the project's folder, as dagster-dbt starts it."""
    flags = ["--sellerhealth-env", f"{SOCKET_VARIABLE}={socket}"] if socket else []
    args = [LAUNCHER, *flags, "run-operation", macro, "--project-dir", ".", "--profiles-dir", "."]
    return subprocess.Popen(
        args, cwd=project, env=_env(project, mark), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _ended(pid: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_waiting_process_runs_the_build_with_the_launchers_environment_and_folder(project, waiting):
    socket = warm_dbt.claim()[SOCKET_VARIABLE]
    done = _launch(project, "probe", socket, mark="from-the-launcher")
    output, _ = done.communicate(timeout=300)
    assert done.returncode == 0, output
    # the environment the launcher was given, not the one of the process that started the waiting one
    assert "mark=from-the-launcher" in output
    # `--project-dir .` resolved in the launcher's folder, where the macro wrote its table
    with duckdb.connect(str(project / "probe.duckdb")) as con:
        assert con.execute("select x from probed").fetchall() == [(1,)]
    # the waiting process ran it (and ended with dbt's code); its socket is gone
    assert waiting.process.wait(timeout=30) == 0
    assert not Path(socket).exists()
    assert warm_dbt.claim() == {}  # one build per waiting process


def test_dbts_exit_code_and_error_reach_the_caller_as_without_it(project, waiting):
    cold = _launch(project, "fail", None)
    cold_output, _ = cold.communicate(timeout=300)
    warm = _launch(project, "fail", warm_dbt.claim()[SOCKET_VARIABLE])
    warm_output, _ = warm.communicate(timeout=300)
    assert cold.returncode != 0
    assert warm.returncode == cold.returncode
    assert "the probe failed on purpose" in cold_output
    assert "the probe failed on purpose" in warm_output
    assert waiting.process.wait(timeout=30) == cold.returncode


def test_without_a_waiting_process_the_launcher_runs_dbt_itself(project, waiting):
    socket = warm_dbt.claim()[SOCKET_VARIABLE]
    waiting.process.kill()
    waiting.process.wait(timeout=30)
    done = _launch(project, "probe", socket, mark="cold")
    output, _ = done.communicate(timeout=300)
    assert done.returncode == 0, output
    assert "mark=cold" in output
    assert warm_dbt.stop() == "dbt's waiting process ended by signal 9"  # the run's log says what happened


def _started_slow(project: Path, waiting) -> subprocess.Popen:
    launcher = _launch(project, "slow", warm_dbt.claim()[SOCKET_VARIABLE])
    assert launcher.stdout is not None
    for line in launcher.stdout:
        if "slow started" in line:
            return launcher
    pytest.fail(f"the slow macro never started (launcher exit {launcher.wait()})")


def test_a_launcher_killed_mid_build_takes_dbt_with_it_and_frees_the_warehouse(project, waiting):
    launcher = _started_slow(project, waiting)
    assert waiting.process.poll() is None  # dbt is running in it
    launcher.kill()
    launcher.wait(timeout=30)
    assert _ended(waiting.process.pid), "dbt kept running after its launcher was killed"
    assert waiting.process.wait(timeout=30) == -signal.SIGKILL
    with duckdb.connect(str(project / "probe.duckdb")) as con:  # no other writer holds it
        con.execute("create table after_kill as select 1")


def test_an_interrupt_sent_to_the_launcher_stops_dbt(project, waiting):
    launcher = _started_slow(project, waiting)
    launcher.send_signal(signal.SIGINT)  # what dagster-dbt sends when a run is cancelled
    output, _ = launcher.communicate(timeout=120)
    assert launcher.returncode != 0
    assert _ended(waiting.process.pid), output[-3000:]
    assert waiting.process.wait(timeout=30) != 0


def test_a_waiting_process_no_build_came_to_ends_with_the_run_and_leaves_nothing(waiting):
    folder = waiting.folder
    assert folder.exists() and waiting.process.poll() is None
    assert warm_dbt.stop() is None  # nothing to report: no build came
    assert waiting.process.returncode is not None
    assert not folder.exists()


def test_when_it_cannot_start_dbt_starts_as_its_own_process(project, monkeypatch, tmp_path):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "no such folder"))  # nowhere for its socket
    assert warm_dbt.start() is None
    assert warm_dbt.claim() == {}  # the launcher is given no socket
    done = _launch(project, "probe", None, mark="own process")
    output, _ = done.communicate(timeout=300)
    assert done.returncode == 0, output
    assert "mark=own process" in output
