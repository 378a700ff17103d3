"""A real Apache Spark standalone cluster on 127.0.0.1, from the installed `pyspark` package.

A master and N workers, each its own JVM process started with the wheel's own launcher
(`pyspark/bin/spark-class org.apache.spark.deploy.master.Master`, `... deploy.worker.Worker`), as
`make spark-demo` and `make test-spark` use it. Nothing is downloaded: the wheel ships the jars.
`standalone_cluster()` stops every process it started, also when the body fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.engine import java_problem


class SparkClusterError(RuntimeError):
    """The cluster could not start; the message says why and where its logs are."""


@dataclass
class Cluster:
    master_url: str
    web_ui: str
    processes: list[subprocess.Popen]
    log_dir: Path


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive_workers(web_ui: str) -> int:
    try:
        with urllib.request.urlopen(f"{web_ui}/json/", timeout=2) as response:
            state = json.load(response)
    except OSError:
        return -1
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


def _start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    with open(log, "ab") as out:
        # a session of its own: stop() signals the JVM and anything it started, by this process's id
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def standalone_cluster(
    work_dir: Path, workers: int = 2, cores: int = 1, memory: str = "2g", timeout: float = 180.0
) -> Iterator[Cluster]:
    """Start a master and `workers` workers on 127.0.0.1; yield once every worker is registered; stop all."""
    problem = java_problem()
    if problem:
        raise SparkClusterError(problem)
    home = spark_home()
    launcher = home / "bin" / "spark-class"
    if not launcher.exists():
        raise SparkClusterError(f"{launcher} is missing: the installed pyspark package has no Spark launcher")
    work_dir = Path(work_dir).resolve()
    log_dir = work_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(log_dir),
        "SPARK_WORKER_DIR": str(work_dir / "work"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    # a SIGTERM (a CI timeout, `kill`) must stop the cluster too: raise, so the finally below runs
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        previous = signal.signal(signal.SIGTERM, _terminated)
    port, ui_port = _free_port(), _free_port()
    master_url, web_ui = f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}"
    processes: list[subprocess.Popen] = []
    try:
        master_cmd = [str(launcher), "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"]
        master_cmd += ["--port", str(port), "--webui-port", str(ui_port)]
        processes.append(_start(master_cmd, log_dir / "master.log", env))
        for n in range(workers):
            worker_cmd = [str(launcher), "org.apache.spark.deploy.worker.Worker", master_url, "--host", "127.0.0.1"]
            worker_cmd += ["--cores", str(cores), "--memory", memory, "--webui-port", str(_free_port())]
            worker_cmd += ["--work-dir", str(work_dir / f"worker-{n + 1}")]
            processes.append(_start(worker_cmd, log_dir / f"worker-{n + 1}.log", env))
        deadline = time.monotonic() + timeout
        while _alive_workers(web_ui) < workers:
            dead = [p for p in processes if p.poll() is not None]
            if dead:
                raise SparkClusterError(f"a Spark process exited with code {dead[0].returncode}; see {log_dir}")
            if time.monotonic() > deadline:
                raise SparkClusterError(
                    f"the cluster did not have {workers} workers after {timeout:.0f} s; see {log_dir}"
                )
            time.sleep(1)
        yield Cluster(master_url, web_ui, processes, log_dir)
    finally:
        for process in reversed(processes):
            _stop(process)
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
