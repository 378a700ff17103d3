"""With the Spark extra installed, loading sellerhealth prints nothing to stderr.

Pandera imports `pyspark.pandas` whenever pyspark is installed, and pyspark then warns that it does
not fully support pandas 3 (a FutureWarning on every command and every run's log). sellerhealth
never uses pandas on Spark; the warning is filtered where the `pipelines` package loads.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pyspark", reason="the Spark engine's extra is not installed: run `make test-spark`")


def test_loading_the_definitions_with_pyspark_installed_warns_nothing():
    done = subprocess.run(
        [sys.executable, "-c", "import pipelines.definitions"], capture_output=True, text=True, check=True
    )
    assert done.stderr == ""
