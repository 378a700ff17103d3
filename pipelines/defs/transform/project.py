"""The dbt project as Dagster sees it, and the build step that prepares its manifest.

The manifest (`dbt_project/target/manifest.json`) is a build artifact, as in Dagster's own dbt
examples: `make install` prepares it with `dagster-dbt project prepare-and-package --file
pipelines/defs/transform/project.py` (again whenever a file of the dbt project changed), and
`dagster dev` (`make ui`) prepares it on every load (`prepare_if_dev`). Importing the definitions
reads it; it never runs dbt.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests")
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


def manifest_is_stale(project: DbtProject = dbt_project) -> bool:
    """No manifest, or a file of the dbt project changed after it was prepared."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    prepared = manifest.stat().st_mtime
    for name in _PROJECT_FILES:
        path = project.project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        if any(f.is_file() and f.stat().st_mtime > prepared for f in files):
            return True
    return False


def prepare_if_stale(project: DbtProject = dbt_project) -> bool:
    """Prepare the manifest again (`dbt parse`) when the dbt project changed since it was; True if it ran.

    Called at the start of `sellerhealth run`, before the definitions are built, so a model an
    analyst added or changed is part of the run (and of the rebuild rules of incremental models)
    without a `make install` in between. Never called at import.

    Runs started together from one checkout (two warehouses, two engines) take turns: each checks
    under an flock on `target/.prepare.lock`, so one parses and the others wait, then find the
    manifest fresh. The check itself is under the lock too: dbt rewrites `manifest.json` in place,
    and while it writes, the file is already newer than the project, so a run checking then would
    call it fresh and read it half-written. Without the lock each run parsed at once, and one read
    the manifest while another was writing it ("unexpected end of data").
    """
    target = project.project_dir / "target"
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd: int | None = os.open(target / ".prepare.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        fd = None  # a checkout the run may not write to: checked without the lock, as before
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when the process ends, even killed
        if not manifest_is_stale(project):
            return False
        return _parse(project)
    finally:
        if fd is not None:
            os.close(fd)


def _parse(project: DbtProject) -> bool:
    from pipelines.lib.child import dbt_executable, launcher_flags
    from pipelines.lib.engine import child_env

    done = subprocess.run(
        [
            dbt_executable(),
            *launcher_flags({}),
            "--no-use-colors",
            "parse",
            "--quiet",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
        ],
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not project.manifest_path.exists():
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise ManifestMissing(
            f"the dbt project changed and preparing its manifest failed (dbt parse, output above); "
            f"fix the project, then run `make install` (or `{PREPARE_COMMAND}`)"
        )
    project.manifest_path.touch()
    return True
