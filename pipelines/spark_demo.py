"""`make spark-demo`: the demo on Apache Spark, on a real standalone cluster started here and stopped after.

Starts a master and two workers on 127.0.0.1 from the installed pyspark package (Java 17), then
runs what `sellerhealth demo` runs with SELLERHEALTH_ENGINE=spark and SPARK_MASTER_URL pointing at
that master: local S3, generated exports, one pipeline run (ingestion, dbt on Spark, alerts,
publishing), the scorecard from the Spark marts. Its files go to warehouse/spark-demo/.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

DEFAULT_START = date(2025, 10, 1)
DEFAULT_END = date(2026, 3, 31)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make spark-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END)
    parser.add_argument("--orders-per-day", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from pipelines.lib.engine import java_problem, pyspark_problem

    problem = pyspark_problem() or java_problem()
    if problem:
        print(f"make spark-demo: {problem}", file=sys.stderr)
        return 2

    from pipelines import cli
    from pipelines.lib.spark_cluster import SparkClusterError, standalone_cluster

    root = Path("warehouse/spark-demo").resolve()
    root.mkdir(parents=True, exist_ok=True)
    skip = ("PUBLISHED_WAREHOUSE_PATH", "SELLERHEALTH_RAW_PATH")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(
        WAREHOUSE_PATH=str(root / "seller_health.duckdb"),
        SELLERHEALTH_SPARK_DIR=str(root / "spark"),
        SELLERHEALTH_ENGINE="spark",
    )
    started = time.monotonic()
    print(f"starting a Spark standalone cluster on 127.0.0.1 (a master and {args.workers} workers) ...", flush=True)
    try:
        with standalone_cluster(root / "cluster", workers=args.workers) as cluster:
            print(f"Spark master {cluster.master_url} (web UI {cluster.web_ui}), logs in {cluster.log_dir}")
            demo = ["demo", "--orders-per-day", str(args.orders_per_day), "--seed", str(args.seed)]
            demo += [f"--{name}={day.isoformat()}" for name, day in (("start", args.start), ("end", args.end)) if day]
            code = cli.sellerhealth(demo, {**env, "SPARK_MASTER_URL": cluster.master_url})
            print("stopping the Spark cluster", flush=True)
    except SparkClusterError as exc:
        print(f"make spark-demo: {exc}", file=sys.stderr)
        return 2
    print(f"spark demo finished in {time.monotonic() - started:.0f} s (exit {code})")
    print(f"the Spark tables and metastore: {root / 'spark'}; the marts as Parquet: {root / 'spark/published_marts'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
