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

import fcntl
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.warehouse import sql_string
from pipelines.resources import ConfigurationError, Warehouse

PUBLISHED_KEY = dg.AssetKey(["marts", "published_warehouse"])
TMP_SUFFIX = ".tmp"


def check_published_path(warehouse: Warehouse) -> Path:
    """The published path, or a `ConfigurationError` saying why nothing can be published there.

    The path itself may be missing, a regular file or a symbolic link (the link is replaced, never
    written through); it must not be a directory, and its directory must exist or be creatable and
    be writable, since the new copy is created there and renamed over the path.
    """
    source = warehouse.resolved_path()
    target = warehouse.published_path()
    if target == source or (target.exists() and source.exists() and os.path.samefile(target, source)):
        raise ConfigurationError(f"PUBLISHED_WAREHOUSE_PATH must differ from WAREHOUSE_PATH ({source})")
    if target.is_dir() and not target.is_symlink():
        raise ConfigurationError(
            f"PUBLISHED_WAREHOUSE_PATH {target} is a directory: set it to a file path, "
            f"e.g. {target / 'seller_health.duckdb'}"
        )
    parent = target.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigurationError(
            f"PUBLISHED_WAREHOUSE_PATH {target}: its directory {parent} is not a writable directory "
            "(the new copy is written there, then renamed over the path)"
        )
    return target


def remove_stale_copies(target: Path) -> list[Path]:
    """Delete the temporary copies a killed publish left beside `target`; return them.

    A publish holds an flock on its temporary copy until the copy is renamed into place: a copy
    whose lock can be taken belongs to no living process.
    """
    removed = []
    for path in target.parent.glob(f".{target.name}.*{TMP_SUFFIX}"):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # another publish is writing it
        else:
            path.unlink(missing_ok=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


def publish(warehouse: Warehouse, timings: dict[str, float] | None = None) -> Path:
    """Copy the warehouse to its published path atomically; return that path.

    The copy is created under a new name with exclusive creation (`mkstemp`: O_CREAT | O_EXCL, which
    never follows a link) in the published path's directory, then renamed over the path: a symbolic
    link planted there is replaced by the file, its target is never written.

    `timings`, when given, receives the seconds of each part (checkpoint, copy, fsync, trim, check, swap).
    The copy keeps the marts, the raw exports and the intermediate tables the marts views read, not
    dbt's staging schema nor the other intermediate tables.
    """
    timings = {} if timings is None else timings
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = round(now - clock, 3)
        clock = now

    source = warehouse.resolved_path()
    target = check_published_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_copies(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the rename: marks the copy as in use
        with warehouse.connect() as con:
            # The connection holds the write lock: nobody changes the file while it is copied.
            con.execute("checkpoint")
            lap("checkpoint")
            with open(source, "rb") as src:
                _copy_in_kernel(src.fileno(), fd)
            lap("copy")
            os.fsync(fd)
            lap("fsync")
        with duckdb.connect(str(tmp)) as copy:
            keep_only_what_readers_use(copy)
        lap("trim")
        os.fchmod(fd, 0o444)
        with duckdb.connect(str(tmp), read_only=True) as check:
            check.execute("select count(*) from information_schema.tables").fetchone()
        lap("check")
        # A write-ahead log beside the published path can only be stale; DuckDB would replay it.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    _fsync_dir(target.parent)
    lap("swap")
    return target


# dbt's internals: readers of the published copy see the marts and the raw exports, and of dbt's
# intermediate tables only those the marts views read (READ_BY_VIEWS_COMMENT says so on each).
INTERNAL_SCHEMAS = ("staging", "intermediate")
VIEW_SOURCE_SCHEMA = "intermediate"
READ_BY_VIEWS_COMMENT = "Internal: a step of the build that {views} read{s}; query {them} instead."


def tables_read_by_views(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> dict[str, list[str]]:
    """The intermediate tables the views of `schema` read: {table: [view, ...]}.

    From the views' definitions as DuckDB stores them (`FROM intermediate.int_order_events`);
    the publication checks afterwards that every view still answers, so a table missed here fails
    the publication, never a reader.
    """
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ?", [VIEW_SOURCE_SCHEMA]
        ).fetchall()
    ]
    read: dict[str, list[str]] = {}
    for view, sql in con.execute(
        "select view_name, sql from duckdb_views() where schema_name = ? and not internal order by view_name",
        [schema],
    ).fetchall():
        for table in tables:
            if re.search(rf'\b"?{VIEW_SOURCE_SCHEMA}"?\s*\.\s*"?{re.escape(table)}"?(?![\w"])', sql):
                read.setdefault(table, []).append(f"{schema}.{view}")
    return read


def keep_only_what_readers_use(con: duckdb.DuckDBPyConnection) -> None:
    """Drop dbt's staging schema and every intermediate table no view of `marts` reads.

    BI users see `marts` (documented: every column has a comment) and `raw` (the exports as loaded,
    for audits; docs/bi.md). `marts.fct_orders` and `marts.fct_return_requests` stay views, as in
    the working warehouse: their flags are as of the latest loaded day, so as tables they would be
    rewritten whole on every publication (3 s a night for a year of a large seller, growing with
    the history). The intermediate tables they read stay, each with a comment naming its views.
    """
    present = {name for (name,) in con.execute("select schema_name from information_schema.schemata").fetchall()}
    if not present & set(INTERNAL_SCHEMAS):
        return
    keep = tables_read_by_views(con) if VIEW_SOURCE_SCHEMA in present else {}
    if "staging" in present:
        con.execute('drop schema "staging" cascade')
    if VIEW_SOURCE_SCHEMA in present:
        for kind, name in con.execute(
            "select 'table', table_name from duckdb_tables() where schema_name = ? "
            "union all select 'view', view_name from duckdb_views() where schema_name = ? and not internal",
            [VIEW_SOURCE_SCHEMA, VIEW_SOURCE_SCHEMA],
        ).fetchall():
            if name not in keep:
                con.execute(f'drop {kind} "{VIEW_SOURCE_SCHEMA}"."{name}"')
        for table, views in keep.items():
            comment = READ_BY_VIEWS_COMMENT.format(
                views=" and ".join(views), s="s" if len(views) == 1 else "", them="it" if len(views) == 1 else "them"
            )
            con.execute(f'comment on table "{VIEW_SOURCE_SCHEMA}"."{table}" is {sql_string(comment)}')
        if not keep:
            con.execute(f'drop schema "{VIEW_SOURCE_SCHEMA}"')
    # every view of the copy still answers (nothing it reads was dropped)
    for schema, view in con.execute(
        "select schema_name, view_name from duckdb_views() where not internal and schema_name not in "
        "('information_schema', 'pg_catalog')"
    ).fetchall():
        con.execute(f'select * from "{schema}"."{view}" limit 0').fetchall()
    con.execute("checkpoint")


def _copy_in_kernel(src_fd: int, dst_fd: int) -> None:
    """Copy a whole file with sendfile(2): 0.7 s for 1.9 GB, where Python's read/write took 3.4 s."""
    size, offset = os.fstat(src_fd).st_size, 0
    while offset < size:
        sent = os.sendfile(dst_fd, src_fd, offset, min(size - offset, 1 << 30))
        if sent == 0:
            raise OSError(f"the warehouse file ended at byte {offset} of {size} while it was copied")
        offset += sent


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
        from pipelines.lib import engine

        timings: dict[str, float] = {}
        path = publish(warehouse, timings)
        size = path.stat().st_size
        parts = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        context.log.info(f"published {path} ({size / 1e9:.2f} GB; {parts})")
        metadata = {"path": str(path), "size_bytes": size, "seconds": timings}
        if engine.is_spark():
            # the Spark marts as Parquet, swapped in whole: what the scorecard and report read (docs/spark.md)
            from pipelines.spark_jobs import run_spark_job

            marts = engine.published_marts_path()
            tables = run_spark_job(["publish", str(marts)])["tables"]
            context.log.info(f"published the Spark marts to {marts}: {tables}")
            metadata["spark_marts"] = str(marts)
        return dg.MaterializeResult(metadata=metadata)

    return published_warehouse


def last_assets(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """The keys of `assets` that no other asset among them depends on."""
    keys = {key for a in assets for key in a.keys}
    upstream = {dep for a in assets for deps in a.asset_deps.values() for dep in deps}
    return sorted(keys - upstream, key=lambda k: k.to_user_string())
