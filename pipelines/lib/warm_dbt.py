"""dbt imported while the run loads: the night's `dbt build` starts without Python's import of dbt.

A `dbt` process spends about 1.5 s importing dbt before it reads a file of the project, and a night
pays it once for its build. The run therefore starts `python -m pipelines.lib.warm_dbt` when it
begins (`start`, from `sellerhealth run` before its own imports and from the dbt resource's setup,
so runs launched by Dagster get it too), listening on a socket in a private folder (mode 0700). That
process imports dbt and its DuckDB adapter while the run lists, downloads and checks the exports.

dagster-dbt still starts `sellerhealth-dbt` (pipelines/lib/child.py) as dbt. Given the socket's path
(`SOCKET_VARIABLE`, in dbt's environment only), the launcher hands its standard input, output and
error, its arguments, environment and folder to the waiting process (`hand_over`), forwards the
signals it gets (SIGINT, SIGTERM, SIGHUP) and exits with dbt's exit code once that process has
ended, so the warehouse is closed before the run goes on. The waiting process serves one build and
removes its socket; a launcher that finds no socket, or a process that dies before it takes the
build, runs dbt the usual way (`os.execvpe`), so the warm process can only save time. It dies with
the run (`die_with_parent`), and kills itself if the launcher that handed it a build dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

SOCKET_VARIABLE = "SELLERHEALTH_WARM_DBT"
_ACCEPTED = b"accepted"
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_MAX_REQUEST = 1 << 20
NOT_SERVED = 86  # the waiting process's exit code when it ended before taking a build


class WarmDbt:
    """The run's side: one waiting dbt process and the private folder of its socket."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sellerhealth-dbt-"))  # mode 0700: this user only
        self.socket_path = self.folder / "dbt.sock"
        # Listening before the process starts: a launcher that comes while dbt is still importing
        # waits in the backlog instead of finding no socket.
        try:
            self.process = self._spawn()
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        self.claimed = False

    def _spawn(self) -> subprocess.Popen:
        from pipelines.lib.child import PARENT_PID_VARIABLE  # child.py imports this module

        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as listener:
            listener.bind(str(self.socket_path))
            listener.listen(1)
            return subprocess.Popen(
                [sys.executable, "-m", "pipelines.lib.warm_dbt", str(listener.fileno())],
                env={**os.environ, PARENT_PID_VARIABLE: str(os.getpid())},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=self.folder,
                pass_fds=[listener.fileno()],
                # A group of its own: Ctrl-C in a terminal reaches the launcher, which forwards it,
                # so dbt gets each signal once, as when it was the launcher's own process.
                process_group=0,
            )

    def claim(self) -> str | None:
        """The socket's path for one dbt invocation (None once claimed, or when the process is gone)."""
        if self.claimed or self.process.poll() is not None:
            return None
        self.claimed = True
        return str(self.socket_path)

    def stop(self) -> str | None:
        """End the process (a build it took has ended with its launcher by now); what it did, in words."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        if not self.claimed:
            return None  # no build came (the run failed before dbt, or ran none)
        if code < 0:
            return f"dbt's waiting process ended by signal {-code}"
        if code == NOT_SERVED:
            return "dbt's waiting process could not take the build: dbt ran as its own process"
        return f"dbt ran in the process started with the run, dbt already imported (exit code {code})"


_current: WarmDbt | None = None


def start() -> WarmDbt | None:
    """The run's waiting dbt process: the one started earlier in this process if unclaimed, else a new one.

    None where it cannot be (not Linux: the hand-over waits for the process's end through /proc),
    or when it fails to start: dbt then starts as its own process, as without it.
    """
    global _current
    if not sys.platform.startswith("linux"):
        return None
    if _current is None or _current.claimed or _current.process.poll() is not None:
        if _current is not None:
            _current.stop()
        try:
            _current = WarmDbt()
        except OSError:
            _current = None
    return _current


def claim() -> dict[str, str]:
    """The variable that sends the next `sellerhealth-dbt` to the waiting process ({} when there is none)."""
    path = _current.claim() if _current is not None else None
    return {SOCKET_VARIABLE: path} if path else {}


def stop() -> str | None:
    """End this process's waiting dbt process, if any; what it did with a build, in words."""
    global _current
    if _current is None:
        return None
    outcome = _current.stop()
    _current = None
    return outcome


# --- the launcher's side (sellerhealth-dbt), which imports nothing heavy -------------------------------


def hand_over(path: str, args: Sequence[str], env: Mapping[str, str]) -> int | None:
    """dbt's exit code after the waiting process at `path` ran `args`; None when none took the build."""
    try:
        request = json.dumps({"args": list(args), "env": dict(env), "cwd": os.getcwd()}).encode()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(path)
    except (OSError, ValueError):  # ValueError: text that is not UTF-8 (the usual `dbt` takes it)
        return None
    try:
        socket.send_fds(conn, [request], [0, 1, 2])
        accepted, _, pid_text = conn.recv(64).partition(b" ")
    except OSError:
        return None
    if accepted != _ACCEPTED:
        return None  # it died before taking the build: nothing of dbt has run
    pid = int(pid_text)  # not SO_PEERCRED's: that names the run's process, which made the socket
    for sig in _FORWARDED:
        signal.signal(sig, lambda number, _frame: _signal(pid, number))
    try:
        reply = conn.recv(64)
    except OSError:
        reply = b""
    _wait_ended(pid)  # its files, the warehouse among them, are closed once it has ended
    conn.close()
    if not reply:
        print(f"sellerhealth-dbt: dbt (process {pid}) ended without an exit code", file=sys.stderr)
        return 1
    return int(reply)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _wait_ended(pid: int) -> None:
    """Until process `pid` has exited (a zombie, its files closed) or is gone."""
    while True:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        if stat.rpartition(")")[2].split()[0] in ("Z", "X"):
            return
        time.sleep(0.005)


# --- the waiting process ---------------------------------------------------------------------------------


def serve(listening: int) -> int:
    """Import dbt, run the one build handed over on the socket `listening`, return dbt's exit code.

    `NOT_SERVED` when it ends before taking a build (the launcher then runs dbt itself).
    """
    try:
        conn = _take_build(listening)
    except Exception:
        return NOT_SERVED
    if conn is None:
        return NOT_SERVED
    threading.Thread(target=_die_with_launcher, args=(conn,), daemon=True).start()
    code = _run_dbt()
    sys.stdout.flush()
    sys.stderr.flush()
    conn.sendall(str(code).encode())
    return code


def _take_build(listening: int) -> socket.socket | None:
    """Import dbt, take the build a launcher hands over and tell it so; the connection to the launcher."""
    from pipelines.lib.child import die_with_parent, parent_gone

    die_with_parent()
    if parent_gone(os.environ):
        return None  # the run ended before this process could tie itself to it
    listener = socket.socket(fileno=listening)
    path = listener.getsockname()
    _import_dbt()
    while True:
        conn, _ = listener.accept()
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
        if uid == os.getuid():
            break
        conn.close()
    listener.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    message, fds, _flags, _addr = socket.recv_fds(conn, _MAX_REQUEST, 3)
    request = json.loads(message)
    for target, fd in zip((0, 1, 2), fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    conn.sendall(_ACCEPTED + f" {os.getpid()}".encode())
    return conn


def _import_dbt() -> None:
    import dbt.cli.main  # noqa: F401  the 1.5 s this process is for

    try:
        import dbt.adapters.duckdb  # noqa: F401
    except ImportError:
        pass


def _run_dbt() -> int:
    from dbt.cli.main import cli

    try:
        cli()  # as the `dbt` console script: it ends with SystemExit
    except SystemExit as done:
        code = done.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0


def _die_with_launcher(conn: socket.socket) -> None:
    """The launcher closed its end before dbt finished (it was killed): so does this process."""
    try:
        conn.recv(1)
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1])))
