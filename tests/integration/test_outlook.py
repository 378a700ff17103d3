"""The outlook and headroom on generated exports, through the real S3 endpoint and `sellerhealth run`.

docs/headroom-and-outlook.md: when no event dated after D exists in the exports, the outlook row
for (D, D + j) equals the `marts.seller_metrics_daily` row of D + j. Generated exports run to END;
after it, for QUIET_DAYS days, each `orders` file re-sends one order of END unchanged (a day needs a
loaded row to be an as-of day): the warehouse keeps computing as-of days, but nothing happens any
more. So every outlook made on a day D >= END must be what
seller_metrics_daily shows on D + j, row for row, headroom included; and an outlook made before
END, when events were still to come, must differ somewhere (the comparison can fail).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.lib.layout import build_key, parse_key
from pipelines.synthetic import generate_exports

START, END = date(2026, 1, 1), date(2026, 3, 10)
QUIET_DAYS = 30  # odr_long's lag: the longest outlook
SELLERS, ORDERS_PER_DAY, SEED = 1, 15, 5
BIN = Path(sys.executable).parent
# lags of docs/metrics.md: odr and its components 14 (MFN and AFN), odr_long 30, valid tracking 10, on-time delivery 7
OUTLOOK_ROWS_PER_DAY = 2 * 14 * 4 + 2 * 30 + 10 + 7

COMPARED = (
    "window_start",
    "window_end",
    "numerator",
    "denominator",
    "value",
    "target",
    "target_condition",
    "status",
    "events_to_breach",
    "orders_to_recover",
)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "sellerhealth"), *args], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def warehouse(s3_endpoint, tmp_path_factory):
    saved = {k: os.environ.get(k) for k in ("SELLER_EXPORTS_BUCKET", "WAREHOUSE_PATH", "SELLER_EXPORTS_PREFIX")}
    path = tmp_path_factory.mktemp("outlook") / "seller_health.duckdb"
    os.environ.update(SELLER_EXPORTS_BUCKET="sellerhealth-outlook", WAREHOUSE_PATH=str(path))
    os.environ.pop("SELLER_EXPORTS_PREFIX", None)
    try:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="sellerhealth-outlook")
        resent = {}
        for f in generate_exports(START, END, sellers=SELLERS, orders_per_day=ORDERS_PER_DAY, seed=SEED):
            s3.put_object(Bucket="sellerhealth-outlook", Key=f.key, Body=f.body)
            key = parse_key(f.key)
            if key.export == "orders":
                body = gzip.decompress(f.body) if f.key.endswith(".gz") else f.body
                lines = body.split(b"\n")
                if key.dt == END and len(lines) > 1 and lines[1].strip():
                    resent[(key.seller_id, key.marketplace_id)] = lines[0] + b"\n" + lines[1] + b"\n"
        assert len(resent) == 2, "END's orders files have no row to re-send"
        for (seller, marketplace), quiet_body in resent.items():
            for offset in range(1, QUIET_DAYS + 1):
                day = END + timedelta(days=offset)
                quiet_key = build_key("", "orders", seller, marketplace, day, "part-0000.tsv")
                s3.put_object(Bucket="sellerhealth-outlook", Key=quiet_key, Body=quiet_body)
        run = _cli("run", "--start", START.isoformat(), "--end", (END + timedelta(days=QUIET_DAYS)).isoformat())
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
        yield path
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _mismatches(con: duckdb.DuckDBPyConnection, as_of_condition: str) -> tuple[int, int, int]:
    """(outlook rows compared, rows that differ from seller_metrics_daily of outlook_date, rows with a population)."""
    differs = " or ".join(f"o.{c} is distinct from m.{c}" for c in COMPARED)
    return con.execute(
        f"""
        select count(*), count(*) filter (where {differs}), count(*) filter (where o.denominator > 0)
        from marts.metric_outlook as o
        left join marts.seller_metrics_daily as m
            on m.seller_id = o.seller_id and m.marketplace_id = o.marketplace_id
            and m.fulfillment_channel = o.fulfillment_channel and m.metric = o.metric
            and m.window_days = o.window_days and m.as_of_date = o.outlook_date
        where {as_of_condition} and o.outlook_date <= ?
        """,
        [END + timedelta(days=QUIET_DAYS)],
    ).fetchone()


def test_outlook_equals_the_day_when_no_later_event_exists(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (markets,) = con.execute(
            "select count(distinct (seller_id, marketplace_id)) from marts.metric_outlook"
        ).fetchone()
        (rows_on_end,) = con.execute("select count(*) from marts.metric_outlook where as_of_date = ?", [END]).fetchone()
        compared, differing, populated = _mismatches(con, f"o.as_of_date >= date '{END}'")
    assert markets == 2  # the generator's seller sells in the US and in Germany
    assert rows_on_end == markets * OUTLOOK_ROWS_PER_DAY
    # every (D, j) with D >= END and D + j within the loaded days: sum over D of the j that fit
    assert compared == markets * sum(
        sum(min(lag, QUIET_DAYS - d) for lag in [14] * 8 + [30] * 2 + [10, 7]) for d in range(QUIET_DAYS + 1)
    )
    assert populated > 0
    assert differing == 0


def test_outlook_made_before_later_events_differs_from_the_day(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        compared, differing, _ = _mismatches(con, f"o.as_of_date between date '{END}' - 20 and date '{END}' - 1")
    assert compared > 0
    assert differing > 0


def test_scorecard_and_report_show_headroom_and_outlook(warehouse, tmp_path):
    card = _cli("scorecard")
    assert card.returncode == 0, card.stderr
    # the headroom is the last column of the metric lines: +k to breach, -m to recover
    assert re.search(r"^  status .* headroom$", card.stdout, re.M)
    assert re.search(r"^  (GOOD|WARNING|BAD) .* [+-]\d+$", card.stdout, re.M)
    records = json.loads(_cli("scorecard", "--format", "json").stdout)["metrics"]
    assert any((r["headroom"] or "").endswith((" and it breaches", " to recover")) for r in records)
    page_path = tmp_path / "health.html"
    report = _cli("report", "--out", str(page_path), "--as-of", END.isoformat())
    assert report.returncode == 0, report.stderr
    page = page_path.read_text(encoding="utf-8")
    assert "Already decided: the coming days" in page
    assert 'class="chart outlook"' in page
    assert 'data-metric="odr_long" data-channel="MFN" data-window="90" data-outlook-days="30"' in page
