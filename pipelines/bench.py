"""`make bench`: what sellerhealth costs for one large seller-marketplace, against the floor.

Every figure comes from real runs: a local moto_server over HTTP, `sellerhealth run` as its own
process (as cron runs it), a real DuckDB file. Prints a table and writes the figures to
`bench_results/bench-<time>.json` for comparison between commits.

    python -m pipelines.bench [--days 365] [--orders-per-day 7500] [--short-days 30] [--repeats 3]
    python -m pipelines.bench --many-sellers [--ms-sellers 50] [--ms-days 90] [--ms-orders-per-day 100]

Plain `make bench` runs both scenarios: one large seller-marketplace, then many small ones
(50 sellers x 2 marketplaces, 90 days, 100 orders a day each, three nights).

With the Spark extra installed (`make install-spark`) and Java, it also runs the backfill's bucket
through the Spark engine on a standalone cluster started on 127.0.0.1 (a master and two workers)
and prints that row beside DuckDB's, phase by phase (figures, no target). `--no-spark` skips it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import duckdb

from pipelines.lib.layout import EXPORTS, parse_key
from pipelines.lib.local_s3 import local_s3, local_s3_env
from pipelines.synthetic import generate_exports, upload

BIN = Path(sys.executable).parent
_DBT_NODE_LINE = re.compile(r"^\S*\s*\d+ of \d+ (START|OK|PASS)")
# The loader's line per export (pipelines/defs/ingest/loader.py, IngestSummary.timing_line).
_TIMING_LINE = re.compile(
    r"(\w+): seconds: listing ([\d.]+), waiting for downloads ([\d.]+), reading and checking ([\d.]+), "
    r"storing ([\d.]+), committing ([\d.]+)"
)
_INGEST_STAGES = ("listing", "download_wait", "read_and_check", "store", "commit")
_ALERTS_LINE = re.compile(r"\d+ alerts, \d+ open")
DE = "A1PA6795UKMFR9"
US = "ATVPDKIKX0DER"
FIRST_DAY = date(2025, 1, 1)


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack += children.get(p, [])
    return total


def timed_run(args: list[str], env: dict[str, str]) -> dict:
    """Run `sellerhealth ...` as its own process; wall time, peak tree RSS, time to the first data."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "sellerhealth"), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    first_data: list[float] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_bytes(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = []
    dbt_started: list[float] = []
    dbt_first_node: list[float] = []
    dbt_finished: list[float] = []
    alerts_done: list[float] = []
    ingest = dict.fromkeys(_INGEST_STAGES, 0.0)
    for line in proc.stdout:
        output.append(line)
        now = time.monotonic() - started
        timing = _TIMING_LINE.search(line)
        if timing:
            for stage, value in zip(_INGEST_STAGES, timing.groups()[1:], strict=True):
                ingest[stage] += float(value)
        if dbt_finished and not alerts_done and _ALERTS_LINE.search(line):
            alerts_done.append(now)
        # The first ingestion progress line: Python and Dagster start-up are behind us, data is next.
        if not first_data and " files, " in line and "rows loaded" in line:
            first_data.append(now)
        # dbt's start-up: from the command to its first model (a process, the project, the manifest).
        if not dbt_started and "Running dbt command" in line:
            dbt_started.append(now)
        if dbt_started and not dbt_first_node and _DBT_NODE_LINE.match(line):
            dbt_first_node.append(now)
        if not dbt_finished and "Finished dbt command" in line:
            dbt_finished.append(now)
    proc.wait()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"sellerhealth {' '.join(args)} failed:\n{''.join(output[-40:])}")
    seconds = time.monotonic() - started
    return {
        "seconds": seconds,
        # where the time went: start-up and ingestion (until dbt starts), dbt build, alerts and publishing
        "phases": {
            "startup_and_ingest": dbt_started[0] if dbt_started else None,
            "dbt": dbt_finished[0] - dbt_started[0] if dbt_finished and dbt_started else None,
            "alerts_and_publish": seconds - dbt_finished[0] if dbt_finished else None,
        },
        # finer: the loader's stages (summed over exports; download, checks and storing overlap), the
        # start-up before them (process, Dagster, run creation), alerts, notifications and publishing
        "breakdown": {
            "startup": max(0.0, (dbt_started[0] if dbt_started else seconds) - sum(ingest.values())),
            **ingest,
            "dbt": dbt_finished[0] - dbt_started[0] if dbt_finished and dbt_started else 0.0,
            "alerts": alerts_done[0] - dbt_finished[0] if alerts_done and dbt_finished else 0.0,
            "notify_and_publish": seconds - (alerts_done or dbt_finished or [seconds])[0],
        },
        "peak_rss_bytes": peak,
        "seconds_to_first_data": first_data[0] if first_data else None,
        "dbt_startup_seconds": dbt_first_node[0] - dbt_started[0] if dbt_first_node else None,
    }


def measure_floor(bucket: str, work: Path) -> dict:
    """The least any tool must do: download every file with boto3, load it with DuckDB's read_csv."""
    client = boto3.client("s3")
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    ]
    folder = work / "floor"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.monotonic()

    def fetch(key: str) -> Path:
        path = folder / key.replace("/", "__")
        client.download_file(bucket, key, str(path))
        return path

    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(fetch, keys))
    downloaded = time.monotonic() - started
    con = duckdb.connect(str(work / "floor.duckdb"))
    for export in EXPORTS:
        files = [str(p) for p, k in zip(paths, keys, strict=True) if parse_key(k).export == export and ".json" not in k]
        if files:
            con.execute(
                f"create or replace table {export} as select * from read_csv(?, delim='\t', "
                "header=true, all_varchar=true, union_by_name=true, quote='', escape='')",
                [files],
            )
    con.close()
    total = time.monotonic() - started
    shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": total, "download_seconds": downloaded, "files": len(keys)}


def _generate(
    bucket: str,
    first: date,
    last: date,
    orders_per_day: int,
    seed: int,
    nights: int,
    sellers: int = 1,
    marketplaces: tuple[str, ...] = (US,),
) -> tuple[int, list]:
    """Upload [first, last]'s exports; return the count and the files of the `nights` days after `last`.

    The history and the nights come from one simulation, so each night continues the history's
    orders (shipments, claims, feedback on earlier orders) as a real one does.
    """
    files = generate_exports(
        first,
        last + timedelta(days=nights),
        sellers=sellers,
        orders_per_day=orders_per_day,
        seed=seed,
        marketplaces=marketplaces,
    )
    later = []

    def history():
        for f in files:
            if parse_key(f.key).dt > last:
                later.append(f)
            else:
                yield f

    count = upload(history(), boto3.client("s3"), bucket)
    return count, later


def reader_benchmark(days: int = 10, orders_per_day: int = 7500, repeats: int = 2) -> dict:
    """The reader alone, in this process: generated All Orders files read and checked as the loader does.

    Best of `repeats` over the same bytes (generated once, in memory): rows a second of
    `read_file` + `check_files` per batch of the loader's size, beside the pandas reader the
    regression test keeps (tests/reference_reader.py) when this runs from a checkout.
    """
    from pipelines.defs.ingest.loader import BATCH_FILES
    from pipelines.lib.parsing import check_files, read_file

    files = [
        (parse_key(f.key), f.body)
        for f in generate_exports(
            FIRST_DAY,
            FIRST_DAY + timedelta(days=days - 1),
            sellers=1,
            orders_per_day=orders_per_day,
            marketplaces=(US,),
        )
        if f.key.startswith("orders/")
    ]

    def columnar() -> int:
        rows = 0
        for i in range(0, len(files), BATCH_FILES):
            batch = [read_file(key, body) for key, body in files[i : i + BATCH_FILES]]
            rows += sum(p.rows_read for p in check_files("orders", batch))
        return rows

    readers = {"columnar": columnar}
    try:
        from tests import reference_reader

        readers["pandas (before)"] = lambda: sum(
            reference_reader.parse_export_file(key, body).rows_read for key, body in files
        )
    except ImportError:  # an installed copy, no tests/ beside it
        pass
    out = {}
    for name, read in readers.items():
        best = None
        for _ in range(repeats):
            start = time.perf_counter()
            rows = read()
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        out[name] = {"rows": rows, "seconds": round(best, 3), "rows_per_second": round(rows / best)}
    out["files"] = len(files)
    out["load_average"] = os.getloadavg()[0]
    return out


def render_reader(r: dict) -> str:
    lines = [f"reader alone ({r['files']} All Orders files, load average {r['load_average']:.1f}):"]
    for name, m in r.items():
        if isinstance(m, dict):
            lines.append(f"  {name:<16} {m['rows']:>9,} rows {m['seconds']:>8.2f} s {m['rows_per_second']:>10,} rows/s")
    return "\n".join(lines)


def _upload_night(bucket: str, files: list, night: date) -> None:
    upload((f for f in files if parse_key(f.key).dt == night), boto3.client("s3"), bucket)


def _bucket(name: str) -> str:
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def _env(bucket: str, warehouse: Path) -> dict[str, str]:
    env = dict(os.environ, SELLER_EXPORTS_BUCKET=bucket, WAREHOUSE_PATH=str(warehouse))
    env.pop("DAGSTER_HOME", None)
    env.pop("PUBLISHED_WAREHOUSE_PATH", None)
    return env


def _items_per_day(warehouse: Path, days: int) -> float:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (items,) = con.execute("select count(distinct (amazon_order_id, sku)) from raw.orders").fetchone()
    return items / days


def _nights(bucket: str, warehouse: Path, files: list, first_night: date, count: int, all_of_them=False) -> dict:
    """Run `count` nights one after another, each a one-day run after that day's files arrive.

    The median wall time (a single night when the first takes a minute or more, unless
    `all_of_them`), the peak memory.
    """
    runs = []
    for i in range(count):
        night = first_night + timedelta(days=i)
        _upload_night(bucket, files, night)
        runs.append(
            timed_run(["run", "--start", night.isoformat(), "--end", night.isoformat()], _env(bucket, warehouse))
        )
        if runs[0]["seconds"] >= 60 and not all_of_them:
            break
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
        "seconds_to_first_data": statistics.median(r["seconds_to_first_data"] or 0 for r in runs),
        "dbt_startup_seconds": statistics.median(r["dbt_startup_seconds"] or 0 for r in runs),
        "phases": {k: statistics.median(r["phases"][k] or 0 for r in runs) for k in runs[0]["phases"]},
        "breakdown": {k: statistics.median(r["breakdown"][k] for r in runs) for k in runs[0]["breakdown"]},
        "runs": len(runs),
    }


def _floor_and_backfill(results: dict, bucket: str, last: date, warehouse: Path, work: Path, label: str) -> None:
    print(f"{label}1. floor: boto3 download + DuckDB read_csv ...", flush=True)
    results["floor"] = measure_floor(bucket, work)
    print(f"{label}2. backfill: the full pipeline over every day in one run ...", flush=True)
    results["backfill"] = timed_run(
        ["run", "--start", FIRST_DAY.isoformat(), "--end", last.isoformat()], _env(bucket, warehouse)
    )


def spark_problem() -> str | None:
    """Why the Spark row cannot run here (no extra, no Java), or None."""
    from pipelines.lib.engine import java_problem, pyspark_problem

    return pyspark_problem() or java_problem()


def spark_backfill(bucket: str, first: date, last: date, work: Path) -> dict:
    """The same backfill with SELLERHEALTH_ENGINE=spark on a fresh standalone cluster (master + 2 workers)."""
    from pipelines.lib.spark_cluster import standalone_cluster

    with standalone_cluster(work / "spark-cluster", workers=2) as cluster:
        env = _env(bucket, work / "spark.duckdb")
        env.update(
            SELLERHEALTH_ENGINE="spark", SPARK_MASTER_URL=cluster.master_url, SELLERHEALTH_SPARK_DIR=str(work / "spark")
        )
        env.pop("SELLERHEALTH_RAW_PATH", None)
        return timed_run(["run", "--start", first.isoformat(), "--end", last.isoformat()], env)


def run_benchmark(
    days: int, orders_per_day: int, short_days: int, repeats: int, double: bool, work: Path, spark: bool = True
) -> dict:
    last = FIRST_DAY + timedelta(days=days - 1)
    night = last + timedelta(days=1)
    results: dict = {"days": days, "orders_per_day": orders_per_day, "machine_cores": os.cpu_count()}
    with local_s3() as endpoint:
        os.environ.update(local_s3_env(endpoint))
        print(f"generating {days} days at {orders_per_day:,} orders a day into the local S3 endpoint ...", flush=True)
        year = _bucket("bench-year")
        results["files"], year_nights = _generate(year, FIRST_DAY, last, orders_per_day, seed=1, nights=repeats)

        warehouse = work / "year.duckdb"
        _floor_and_backfill(results, year, last, warehouse, work, "")
        results["items_per_day"] = _items_per_day(warehouse, days)

        print(f"3. nightly: one more day on top of the history, {repeats} nights in a row ...", flush=True)
        results["nightly"] = _nights(year, warehouse, year_nights, night, repeats)

        print(f"4. nightly on top of {short_days} days of history ...", flush=True)
        short = _bucket("bench-short")
        short_first = night - timedelta(days=short_days)
        _, short_nights = _generate(
            short, short_first, night - timedelta(days=1), orders_per_day, seed=1, nights=repeats
        )
        short_warehouse = work / "short.duckdb"
        timed_run(
            ["run", "--start", short_first.isoformat(), "--end", (night - timedelta(days=1)).isoformat()],
            _env(short, short_warehouse),
        )
        results["nightly_short_history"] = _nights(short, short_warehouse, short_nights, night, repeats)

        if spark and (problem := spark_problem()):
            print(f"5. backfill on Spark: skipped ({problem})", flush=True)
        elif spark:
            print("5. backfill on Spark: the same bucket, a standalone cluster of 2 workers ...", flush=True)
            results["backfill_spark"] = spark_backfill(year, FIRST_DAY, last, work)

        if double:
            print("6. backfill at twice the orders a day ...", flush=True)
            twice = _bucket("bench-double")
            _generate(twice, FIRST_DAY, last, orders_per_day * 2, seed=1, nights=0)
            results["backfill_double"] = timed_run(
                ["run", "--start", FIRST_DAY.isoformat(), "--end", last.isoformat()],
                _env(twice, work / "double.duckdb"),
            )
    return results


def run_many_sellers(sellers: int, days: int, orders_per_day: int, nights: int, work: Path) -> dict:
    """`sellers` sellers x 2 marketplaces (US, DE), `days` of history: floor, backfill, then `nights` nights.

    Many small files: S3 requests, not bytes, dominate.
    """
    last = FIRST_DAY + timedelta(days=days - 1)
    results: dict = {"sellers": sellers, "marketplaces": 2, "days": days, "orders_per_day": orders_per_day}
    with local_s3() as endpoint:
        os.environ.update(local_s3_env(endpoint))
        print(
            f"many sellers: generating {sellers} sellers x 2 marketplaces, {days} days at {orders_per_day:,} "
            "orders a day ...",
            flush=True,
        )
        bucket = _bucket("bench-many")
        results["files"], later = _generate(
            bucket, FIRST_DAY, last, orders_per_day, seed=1, nights=nights, sellers=sellers, marketplaces=(US, DE)
        )
        warehouse = work / "many.duckdb"
        _floor_and_backfill(results, bucket, last, warehouse, work, "many sellers, ")
        print(f"many sellers, 3. {nights} nights ...", flush=True)
        results["nightly"] = _nights(bucket, warehouse, later, last + timedelta(days=1), nights, all_of_them=True)
    return results


def render_many_sellers(m: dict, one_seller_night: float | None) -> str:
    gib = 1024**3
    night = m["nightly"]
    lines = [
        f"many sellers: {m['sellers']} sellers x {m['marketplaces']} marketplaces, {m['days']} days, "
        f"{m['orders_per_day']:,} orders a day each, {m['files']:,} files",
        "",
        f"  {'step':<34} {'wall s':>9} {'peak RSS GB':>12}",
        f"  {'1. floor (download + read_csv)':<34} {m['floor']['seconds']:>9.1f} {'':>12}"
        f"   (download {m['floor']['download_seconds']:.1f} s)",
        f"  {'2. backfill':<34} {m['backfill']['seconds']:>9.1f} {m['backfill']['peak_rss_bytes'] / gib:>12.2f}",
        f"  {'3. nightly':<34} {night['seconds']:>9.1f} {night['peak_rss_bytes'] / gib:>12.2f}"
        f"   (median of {night['runs']} nights)",
        "",
        "  where a night went (s; the loader's stages overlap, summed over exports)",
    ]
    for stage, value in night["breakdown"].items():
        lines.append(f"  {stage.replace('_', ' '):<34} {value:>9.1f}")
    lines += ["", f"  {'ratio':<34} {'measured':>9} {'target':>12}"]
    lines.append(f"  {'backfill / floor':<34} {m['backfill']['seconds'] / m['floor']['seconds']:>9.2f} {'':>12}")
    if one_seller_night:
        value = night["seconds"] / one_seller_night
        name = "night / one large seller's night"
        lines.append(f"  {name:<34} {value:>9.2f} {'<= 2':>12}  {'ok' if value <= 2 else 'OVER'}")
    return "\n".join(lines)


def ratios(r: dict) -> dict:
    """The measured ratios with their targets (issue 13's: docs/benchmark.md)."""
    out = {
        "backfill / floor": (r["backfill"]["seconds"] / r["floor"]["seconds"], 1.5),
        "nightly / backfill": (r["nightly"]["seconds"] / r["backfill"]["seconds"], 0.05),
        "nightly / nightly short history": (r["nightly"]["seconds"] / r["nightly_short_history"]["seconds"], 1.2),
    }
    if "backfill_double" in r:
        out["backfill 2x orders / backfill"] = (r["backfill_double"]["seconds"] / r["backfill"]["seconds"], 2.0)
    return out


def render(r: dict) -> str:
    gib = 1024**3
    lines = [
        f"one seller-marketplace, {r['days']} days, {r['items_per_day']:,.0f} order items a day "
        f"({r['orders_per_day']:,} orders), {r['files']:,} files, {r['machine_cores']} cores",
        "",
        f"  {'step':<34} {'wall s':>9} {'peak RSS GB':>12}",
        f"  {'1. floor (download + read_csv)':<34} {r['floor']['seconds']:>9.1f} {'':>12}"
        f"   (download {r['floor']['download_seconds']:.1f} s)",
        f"  {'2. backfill':<34} {r['backfill']['seconds']:>9.1f} {r['backfill']['peak_rss_bytes'] / gib:>12.2f}",
        f"  {'3. nightly':<34} {r['nightly']['seconds']:>9.1f} {r['nightly']['peak_rss_bytes'] / gib:>12.2f}"
        f"   (median of {r['nightly']['runs']} nights)",
        f"  {'4. nightly, short history':<34} {r['nightly_short_history']['seconds']:>9.1f} "
        f"{r['nightly_short_history']['peak_rss_bytes'] / gib:>12.2f}",
    ]
    if "backfill_spark" in r:
        lines.append(
            f"  {'5. backfill on Spark (2 workers)':<34} {r['backfill_spark']['seconds']:>9.1f} "
            f"{r['backfill_spark']['peak_rss_bytes'] / gib:>12.2f}   (driver processes only, not the cluster)"
        )
    if "backfill_double" in r:
        lines.append(
            f"  {'6. backfill, 2x orders':<34} {r['backfill_double']['seconds']:>9.1f} "
            f"{r['backfill_double']['peak_rss_bytes'] / gib:>12.2f}"
        )
    startup = r["nightly"]["seconds_to_first_data"] + r["nightly"]["dbt_startup_seconds"]
    lines.append(
        f"  {'fixed start-up of a nightly run':<34} {startup:>9.1f}"
        f"   (process start to the first file loaded {r['nightly']['seconds_to_first_data']:.1f} s: Python, "
        f"Dagster, run creation; dbt command to its first model {r['nightly']['dbt_startup_seconds']:.1f} s)"
    )
    lines += ["", "  where the time went (s)             start-up+ingest       dbt  alerts+publish"]
    for name in ("backfill", "nightly", "nightly_short_history", "backfill_spark", "backfill_double"):
        if name in r:
            ph = r[name]["phases"]
            lines.append(
                f"  {name.replace('_', ' '):<34} {ph['startup_and_ingest'] or 0:>16.1f} {ph['dbt'] or 0:>9.1f} "
                f"{ph['alerts_and_publish'] or 0:>15.1f}"
            )
    lines += ["", f"  {'ratio':<34} {'measured':>9} {'target':>12}"]
    for name, (value, target) in ratios(r).items():
        mark = "ok" if value <= target else "OVER"
        lines.append(f"  {name:<34} {value:>9.2f} {'<= ' + str(target):>12}  {mark}")
    lines.append(
        f"  {'peak memory of the backfill (GB)':<34} {r['backfill']['peak_rss_bytes'] / gib:>9.2f} "
        f"{'<= 1.5':>12}  {'ok' if r['backfill']['peak_rss_bytes'] <= 1.5 * gib else 'OVER'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--orders-per-day", type=int, default=7500, help="about 10,000 order items a day")
    parser.add_argument("--short-days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3, help="nights per median (1 when a night takes a minute)")
    parser.add_argument("--no-double", action="store_true", help="skip the backfill at twice the orders")
    parser.add_argument("--no-spark", action="store_true", help="skip the backfill on Spark")
    parser.add_argument("--out", type=Path, default=Path("bench_results"))
    parser.add_argument(
        "--many-sellers", action="store_true", help="only the many-sellers scenario (plain `make bench` runs both)"
    )
    parser.add_argument("--no-many-sellers", action="store_true", help="skip the many-sellers scenario")
    parser.add_argument("--ms-sellers", type=int, default=50, help="many sellers: sellers (x 2 marketplaces)")
    parser.add_argument("--ms-days", type=int, default=90, help="many sellers: days of history")
    parser.add_argument("--ms-orders-per-day", type=int, default=100, help="many sellers: orders a day each")
    parser.add_argument(
        "--reader-only", action="store_true", help="only the reader alone, in this process (rows a second)"
    )
    parser.add_argument("--reader-days", type=int, default=10, help="reader alone: days of All Orders")
    args = parser.parse_args(argv)
    if args.reader_only:
        print(render_reader(reader_benchmark(args.reader_days, args.orders_per_day)))
        return 0
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="sellerhealth-bench-") as work:
        if not args.many_sellers:
            results = run_benchmark(
                args.days,
                args.orders_per_day,
                args.short_days,
                args.repeats,
                not args.no_double,
                Path(work),
                spark=not args.no_spark,
            )
        if not args.no_many_sellers:
            results["many_sellers"] = run_many_sellers(
                args.ms_sellers, args.ms_days, args.ms_orders_per_day, 3, Path(work)
            )
    if not args.many_sellers:
        results["reader"] = reader_benchmark(args.reader_days, args.orders_per_day)
    results["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    print()
    if "reader" in results:
        print(render_reader(results["reader"]))
        print()
    if not args.many_sellers:
        results["ratios"] = {k: {"value": v, "target": t} for k, (v, t) in ratios(results).items()}
        print(render(results))
        print()
    if "many_sellers" in results:
        one_seller_night = results["nightly"]["seconds"] if "nightly" in results else None
        print(render_many_sellers(results["many_sellers"], one_seller_night))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nfigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
