"""Publishing: after a successful run, a read-only copy of the warehouse for BI tools and reports.

The pipeline writes `WAREHOUSE_PATH`; readers open `PUBLISHED_WAREHOUSE_PATH` (default:
`seller_health_published.duckdb` beside it). Writers and readers never share a file: DuckDB lets
one process write a file and nobody else open it meanwhile, so a BI tool reading the working file
would block the nightly run, or fail while it runs.

Publishing checkpoints the warehouse (the write-ahead log goes into the file) while holding its
write lock, copies it to a temporary file beside the published path, fsyncs it, checks that it
opens, and `os.replace`s it onto the published path. The rename is atomic: a reader that opens
the path gets the old file or the new one, never a half-written one, and a reader that holds the
old file open keeps reading it (its inode lives until it closes) and sees the new data when it
reconnects.
"""

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.resources import Warehouse

PUBLISHED_KEY = dg.AssetKey(["marts", "published_warehouse"])
_COPY_CHUNK = 16 * 1024 * 1024


def publish(warehouse: Warehouse) -> Path:
    """Copy the warehouse to its published path atomically; return that path."""
    source = warehouse.resolved_path()
    target = warehouse.published_path()
    if target == source:
        raise ValueError(f"PUBLISHED_WAREHOUSE_PATH must differ from WAREHOUSE_PATH ({source})")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, warehouse.connect() as con:
            # The connection holds the write lock: nobody changes the file while it is copied.
            con.execute("checkpoint")
            with open(source, "rb") as src:
                while chunk := src.read(_COPY_CHUNK):
                    out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        tmp.chmod(0o444)
        with duckdb.connect(str(tmp), read_only=True) as check:
            check.execute("select count(*) from information_schema.tables").fetchone()
        # A write-ahead log beside the published path can only be stale; DuckDB would replay it.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def build_published_warehouse_asset(upstream: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publishing step, downstream of `upstream` (every last asset of the run).

    Depending on every asset that has nothing downstream makes it the run's last step, and Dagster
    skips a step when anything upstream of it failed: the copy happens only when the run succeeded.
    """

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=list(upstream),
        group_name="publish",
        kinds={"duckdb"},
        description=(
            "Read-only copy of the warehouse for BI tools (PUBLISHED_WAREHOUSE_PATH), swapped into place "
            "atomically after each successful run."
        ),
    )
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        path = publish(warehouse)
        context.log.info(f"published {path}")
        return dg.MaterializeResult(metadata={"path": str(path), "size_bytes": path.stat().st_size})

    return published_warehouse


def last_assets(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """The keys of `assets` that no other asset among them depends on."""
    keys = {key for a in assets for key in a.keys}
    upstream = {dep for a in assets for deps in a.asset_deps.values() for dep in deps}
    return sorted(keys - upstream, key=lambda k: k.to_user_string())
