"""Notifications in whole runs of `sellerhealth run` (moto_server, dbt, DuckDB): a backfill, then a night.

The synthetic exports make alerts of their own; whatever they are, a user must be able to count on:
every alert is accounted for once (sent or skipped with the reason), only changes of the recent
period are sent, and a night sends only its own changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.synthetic import generate_exports, upload
from tests.receivers import HttpReceiver

BIN = Path(sys.executable).parent
BUCKET = "sellerhealth-notify-runs"
FIRST, LAST = date(2026, 2, 1), date(2026, 2, 21)  # 21 days

CONFIG = """\
channels:
  everything-hook:
    type: webhook
    url_env: TEST_HOOK_URL
routes:
  - name: all
    channels: [everything-hook]
"""


@pytest.fixture(scope="module")
def exports(s3_endpoint):
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    upload(iter(generate_exports(FIRST, LAST, sellers=1, orders_per_day=40, seed=23)), client, BUCKET)


def run(warehouse: Path, config: Path, url: str, first: date, last: date) -> None:
    env = dict(
        os.environ,
        WAREHOUSE_PATH=str(warehouse),
        SELLER_EXPORTS_BUCKET=BUCKET,
        SELLERHEALTH_NOTIFICATIONS=str(config),
        TEST_HOOK_URL=url,
    )
    env.pop("DAGSTER_HOME", None)
    env.pop("SELLERHEALTH_NOTIFY_RECENT_DAYS", None)
    result = subprocess.run(
        [str(BIN / "sellerhealth"), "run", "--start", first.isoformat(), "--end", last.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_a_backfill_then_nights_send_each_recent_change_once(exports, tmp_path):
    receiver = HttpReceiver().start()
    config = tmp_path / "notifications.yml"
    config.write_text(CONFIG)
    warehouse = tmp_path / "warehouse" / "seller_health.duckdb"
    url = receiver.url("/hook")
    try:
        run(warehouse, config, url, FIRST, LAST - timedelta(days=1))
        with duckdb.connect(str(warehouse), read_only=True) as con:
            alerts = dict(con.execute("select alert_id, status from marts.alerts").fetchall())
            rows = con.execute(
                "select alert_id, change, change_day, status, reason, idempotency_key from marts.alert_notifications"
            ).fetchall()
            recorded = {r[0] for r in con.execute("select notification_id from marts.alert_notifications").fetchall()}
            latest = dict(
                con.execute(
                    "select seller_id || marketplace_id, max(as_of_date) from marts.seller_metrics_daily group by 1"
                ).fetchall()
            )
        assert alerts, "the synthetic exports should make alerts"
        # A first run: every alert is one change (opened, escalated or resolved), recorded once.
        assert sorted(r[0] for r in rows) == sorted(alerts)
        assert {r[3] for r in rows} <= {"SENT", "SKIPPED"}
        last_day = max(latest.values())
        for alert_id, change, change_day, status, reason, _ in rows:
            recent = change_day >= last_day - timedelta(days=1)
            assert (status == "SENT") == recent, (change, change_day, status)
            assert (reason is None) == recent and (recent or "before the recent period" in reason)
            assert change == ("RESOLVED" if alerts[alert_id] == "RESOLVED" else change)
        sent = [r for r in rows if r[3] == "SENT"]
        assert len(receiver.posts) == (1 if sent else 0)  # one route, one channel: one message
        if sent:
            assert len(receiver.posts[0].body["changes"]) == len(sent)
            assert receiver.posts[0].headers["idempotency-key"] == sent[0][5]

        # A night sends only what it changed.
        posts_before = len(receiver.posts)
        run(warehouse, config, url, LAST, LAST)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            later = [
                (a, c, s)
                for n, a, c, s in con.execute(
                    "select notification_id, alert_id, change, status from marts.alert_notifications"
                ).fetchall()
                if n not in recorded
            ]
            (duplicates,) = con.execute(
                "select count(*) from (select alert_id, change from marts.alert_notifications "
                "group by all having count(*) > 1)"
            ).fetchone()
        assert duplicates == 0
        new_posts = receiver.posts[posts_before:]
        posted = sorted((c["alert_id"], c["change"]) for p in new_posts for c in p.body["changes"])
        assert posted == sorted((a, c) for a, c, s in later if s == "SENT")
    finally:
        receiver.stop()
