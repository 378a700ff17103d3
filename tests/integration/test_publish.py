"""Publishing: a reader process on the published file while the warehouse is written and published."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
import time

import dagster as dg
import duckdb
import pytest

from pipelines.defs.publish.assets import PUBLISHED_KEY, build_published_warehouse_asset, publish
from pipelines.resources import Warehouse

# A BI tool's process: `hold` keeps one connection open through the publishes, then reconnects;
# `reconnect` opens a new connection for every query. Each prints one JSON line per query until the
# stop file appears, then one last line; any error ends it with exit code 1. (DuckDB shares one
# database instance between the connections of a process to the same path, so a process sees a
# newly published file once all its connections to the path have closed.)
READER = textwrap.dedent(
    """
    import json, os, sys, time
    import duckdb

    path, mode, stop = sys.argv[1:4]
    query = "select max(version), count(*) from facts"
    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(stop) and time.monotonic() < deadline:
        if held is not None:
            value = held.execute(query).fetchone()
        else:
            with duckdb.connect(path, read_only=True) as con:
                value = con.execute(query).fetchone()
        print(json.dumps({"during": value}), flush=True)
    if held is not None:
        held.close()
    with duckdb.connect(path, read_only=True) as con:
        print(json.dumps({"after": con.execute(query).fetchone()}), flush=True)
    """
)


def write_version(warehouse: Warehouse, version: int, rows: int = 200_000) -> None:
    with warehouse.connect() as con:
        con.execute("create table if not exists facts (version integer, payload varchar)")
        con.execute("delete from facts")
        con.execute(f"insert into facts select {version}, repeat('x', 40) || i from range({rows}) t(i)")


def test_readers_keep_working_during_publishes_and_see_the_new_data_after(warehouse_path, tmp_path):
    warehouse = Warehouse()
    write_version(warehouse, 1)
    published = publish(warehouse)
    assert published == warehouse_path.parent / "seller_health_published.duckdb"

    stop = tmp_path / "stop"
    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(published), mode, str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "reconnect")
    }
    try:
        for reader in readers.values():
            assert json.loads(reader.stdout.readline()) == {"ready": True}
        # The pipeline writes and publishes while the readers query: no error on either side.
        for version in (2, 3):
            write_version(warehouse, version)
            publish(warehouse)
            time.sleep(0.3)
        stop.touch()
        outputs = {mode: reader.communicate(timeout=60) for mode, reader in readers.items()}
    finally:
        for reader in readers.values():
            reader.kill()
    lines = {}
    for mode, (out, err) in outputs.items():
        assert readers[mode].returncode == 0, err
        lines[mode] = [json.loads(line) for line in out.splitlines()]
        assert len(lines[mode]) > 3
        # Every query saw one published version whole; after reconnecting, the last one.
        assert {tuple(line["during"]) for line in lines[mode][:-1]} <= {(1, 200_000), (2, 200_000), (3, 200_000)}
        assert lines[mode][-1] == {"after": [3, 200_000]}
    # The connection held open kept reading the file it had opened.
    assert {tuple(line["during"]) for line in lines["hold"][:-1]} == {(1, 200_000)}


def test_the_published_file_is_read_only_alone_and_the_variable_moves_it(warehouse_path, tmp_path, monkeypatch):
    target = tmp_path / "bi" / "health.duckdb"
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(target))
    warehouse = Warehouse()
    write_version(warehouse, 1, rows=10)
    assert publish(warehouse) == target
    assert not stat.S_IMODE(os.stat(target).st_mode) & 0o222
    assert sorted(p.name for p in target.parent.iterdir()) == ["health.duckdb"]  # no temp file, no WAL
    if os.geteuid() != 0:  # root ignores file modes
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(target))  # read-write is refused
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from facts").fetchone() == (10,)
    # The warehouse itself stays writable.
    write_version(warehouse, 2, rows=5)


def test_publishing_runs_only_when_the_run_succeeded(warehouse_path, monkeypatch):
    @dg.asset
    def upstream(context) -> None:
        write_version(Warehouse(), 1, rows=10)
        if os.environ.get("FAIL_UPSTREAM"):
            raise RuntimeError("export orders, day 2026-03-04: broken")

    published = build_published_warehouse_asset([upstream.key])
    resources = {"warehouse": Warehouse()}
    monkeypatch.setenv("FAIL_UPSTREAM", "1")
    failed = dg.materialize([upstream, published], resources=resources, raise_on_error=False)
    assert not failed.success
    assert not Warehouse().published_path().exists()

    monkeypatch.delenv("FAIL_UPSTREAM")
    ok = dg.materialize([upstream, published], resources=resources)
    assert ok.success and Warehouse().published_path().exists()
    (event,) = ok.get_asset_materialization_events()[1:]
    assert event.asset_key == PUBLISHED_KEY


def test_the_published_warehouse_is_the_last_step_of_the_run_job():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    assert graph.get_ancestor_asset_keys(PUBLISHED_KEY) == set(graph.get_all_asset_keys()) - {PUBLISHED_KEY}
    # after the alerts and their notifications, so the published copy shows what was sent
    assert dg.AssetKey(["notifications", "delivery"]) in graph.get(PUBLISHED_KEY).parent_keys
    assert dg.AssetKey(["marts", "alerts"]) in graph.get_ancestor_asset_keys(dg.AssetKey(["notifications", "delivery"]))


def test_a_symlink_at_the_published_path_is_replaced_not_written_through(warehouse_path, tmp_path, monkeypatch):
    decoy = tmp_path / "elsewhere" / "precious.db"
    decoy.parent.mkdir()
    decoy.write_bytes(b"someone else's file")
    decoy.chmod(0o644)
    target = tmp_path / "bi" / "health.duckdb"
    target.parent.mkdir()
    target.symlink_to(decoy)
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(target))
    warehouse = Warehouse()
    write_version(warehouse, 1, rows=10)
    assert publish(warehouse) == target
    assert decoy.read_bytes() == b"someone else's file"
    assert stat.S_IMODE(decoy.stat().st_mode) == 0o644
    assert not target.is_symlink() and target.is_file()
    assert not stat.S_IMODE(os.lstat(target).st_mode) & 0o222
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from facts").fetchone() == (10,)


def test_a_directory_at_the_published_path_is_refused_naming_it(warehouse_path, tmp_path, monkeypatch):
    from pipelines.resources import ConfigurationError

    target = tmp_path / "bi"
    (target / "keep").mkdir(parents=True)
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(target))
    warehouse = Warehouse()
    write_version(warehouse, 1, rows=10)
    with pytest.raises(ConfigurationError, match=f"PUBLISHED_WAREHOUSE_PATH {target} is a directory"):
        publish(warehouse)
    assert [p.name for p in target.iterdir()] == ["keep"]
    # Under a file (not a directory), the copy has nowhere to go: refused too.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("PUBLISHED_WAREHOUSE_PATH", str(blocker / "health.duckdb"))
    with pytest.raises(ConfigurationError, match="not a writable directory"):
        publish(warehouse)


def test_copies_left_by_a_killed_publish_are_removed_by_the_next_one(warehouse_path, tmp_path):
    warehouse = Warehouse()
    target = warehouse.published_path()
    write_version(warehouse, 1, rows=10)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A publish killed midway: its partial copy, nobody holding it.
    stale = target.parent / f".{target.name}.abc123.tmp"
    stale.write_bytes(b"\0" * 4096)
    # A publish still writing its copy, in another process: it holds the copy's flock.
    busy = target.parent / f".{target.name}.busy99.tmp"
    busy.write_bytes(b"\0" * 10)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); "
            "print('ok', flush=True); time.sleep(120)",
            str(busy),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        publish(warehouse)
        assert sorted(p.name for p in target.parent.iterdir() if p.name.endswith(".tmp")) == [busy.name]
    finally:
        holder.kill()
        holder.wait()
    publish(warehouse)
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
