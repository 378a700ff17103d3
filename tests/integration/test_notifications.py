"""Notifications end to end: real Dagster runs of the alerts, outbox and delivery assets on a real DuckDB
file, real HTTP and SMTP receivers on loopback, and the faults a user must survive.

The metric history is made by hand (one seller in the US, one in DE); every expected message below
is worked out from it:

    day              1       2        3        4
    odr (MFN, 60d)   GOOD    GOOD     BAD      GOOD      target < 1.00%, day 3 = 1.50%
    late (MFN, 30d)  GOOD    WARNING  WARNING  BAD       target < 4.00%, day 3 = 3.80%, day 4 = 4.50%
    DE odr (MFN)     GOOD    GOOD     WARNING  WARNING

Night 3 (days 1..3): odr OPENED CRITICAL on day 3; late OPENED WARNING on day 2; DE odr OPENED WARNING.
Night 4 (days 1..4): odr RESOLVED on day 4; late ESCALATED (first BAD day 4).
"""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main
from pipelines.defs.alerts.assets import alerts
from pipelines.defs.notify.assets import DELIVERY_KEY, Notifications, alert_notifications, notification_delivery
from pipelines.resources import Warehouse
from tests.alert_episodes import build_alert_episodes
from tests.receivers import HttpReceiver, SmtpReceiver

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
SELLER, SELLER_DE = "A2SELLER1X", "A3SELLER2X"
SLACK_SECRET = "T000/B000/slack-secret-7f3a"
HOOK_SECRET = "hook-token-91c2"
AUTH_SECRET = "Bearer auth-secret-55d1"
SMTP_USER, SMTP_PASSWORD = "mailer", "smtp-pass-0b7e"


def day(n: int) -> date:
    return date(2026, 3, 1) + timedelta(days=n - 1)


ODR = [("GOOD", 0.005), ("GOOD", 0.006), ("BAD", 0.015), ("GOOD", 0.008)]
LATE = [("GOOD", 0.02), ("WARNING", 0.035), ("WARNING", 0.038), ("BAD", 0.045)]
ODR_DE = [("GOOD", 0.004), ("GOOD", 0.005), ("WARNING", 0.009), ("WARNING", 0.0095)]


def metric_rows(nights: int) -> list[tuple]:
    rows = []
    for seller, market, channel, metric, window, target, series in (
        (SELLER, US, "MFN", "odr", 60, 0.01, ODR),
        (SELLER, US, "MFN", "late_shipment_rate", 30, 0.04, LATE),
        (SELLER_DE, DE, "MFN", "odr", 60, 0.01, ODR_DE),
    ):
        for n, (status, value) in enumerate(series[:nights], 1):
            denominator = 200
            rows.append(
                (seller, market, channel, metric, window, day(n), status, value, target, "LESS_THAN",
                 round(value * denominator), denominator, day(n) - timedelta(days=window - 1), day(n))
            )  # fmt: skip
    return rows


def write_metrics(path: Path, rows: list[tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.seller_metrics_daily (seller_id varchar, marketplace_id varchar, "
            "fulfillment_channel varchar, metric varchar, window_days integer, as_of_date date, status varchar, "
            "value double, target double, target_condition varchar, numerator double, denominator bigint, "
            "window_start date, window_end date)"
        )
        if rows:
            con.executemany(f"insert into marts.seller_metrics_daily values ({', '.join('?' * 14)})", rows)
        # Three defects in the US odr window; the AFN one is not behind the MFN alert.
        con.execute(
            "create or replace table marts.fct_orders as select * from (values "
            "('A2SELLER1X', 'ATVPDKIKX0DER', '111-1', date '2026-02-20', 'MFN', 'SKU-A|SKU-B', true, false, false), "
            "('A2SELLER1X', 'ATVPDKIKX0DER', '111-2', date '2026-02-21', 'AFN', 'SKU-A', true, false, false), "
            "('A2SELLER1X', 'ATVPDKIKX0DER', '111-3', date '2026-02-22', 'MFN', 'SKU-C', true, false, false), "
            "('A2SELLER1X', 'ATVPDKIKX0DER', '111-4', date '2026-02-22', 'MFN', 'SKU-C', false, false, false)"
            ") as t(seller_id, marketplace_id, amazon_order_id, purchase_date, fulfillment_channel, skus, "
            "is_defect, is_late_shipment, is_seller_cancelled)"
        )
        build_alert_episodes(con)  # what the dbt build does before the alerts asset


def night(path: Path, nights: int, assets=(alerts, alert_notifications, notification_delivery), instance=None):
    """One Dagster run of the alerts and notification assets over the history of days 1..nights."""
    write_metrics(path, metric_rows(nights))
    return dg.materialize(
        list(assets),
        resources={"warehouse": Warehouse(path=str(path)), "notifications": Notifications()},
        instance=instance or dg.DagsterInstance.ephemeral(),
    )


def outbox(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select metric, change, route, channel, status, attempts, idempotency_key from marts.alert_notifications "
            "order by metric, change, route, channel"
        ).fetchall()


CONFIG = """\
channels:
  team:
    type: slack
    url_env: TEST_SLACK_URL
  hook:
    type: webhook
    url_env: TEST_HOOK_URL
    headers_env:
      Authorization: TEST_HOOK_AUTH
{mail}
routes:
  - name: critical
    match:
      severities: [CRITICAL]
    channels: [team, hook]
{routes}
{retry}
"""

MAIL = """\
  mail:
    type: email
    host: 127.0.0.1
    port: {port}
    starttls: true
    ca_file: {ca_file}
    username_env: TEST_SMTP_USER
    password_env: TEST_SMTP_PASSWORD
    from: sellerhealth@example.com
    to: [ops@example.com]
"""

US_LATE = """\
  - name: us-late
    match:
      marketplaces: [US]
      metrics: [late_shipment_rate]
    channels: [mail]
"""


@pytest.fixture
def http(monkeypatch):
    receiver = HttpReceiver().start()
    monkeypatch.setenv("TEST_SLACK_URL", receiver.url(f"/slack/{SLACK_SECRET}"))
    monkeypatch.setenv("TEST_HOOK_URL", receiver.url(f"/hook/{HOOK_SECRET}"))
    monkeypatch.setenv("TEST_HOOK_AUTH", AUTH_SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def smtp(tmp_path, monkeypatch):
    receiver = SmtpReceiver(tmp_path, SMTP_USER, SMTP_PASSWORD).start()
    monkeypatch.setenv("TEST_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    yield receiver
    receiver.stop()


def write_config(tmp_path: Path, monkeypatch, smtp: SmtpReceiver | None = None, retry: str = "") -> Path:
    mail = MAIL.format(port=smtp.port, ca_file=smtp.ca_file) if smtp else ""
    text = CONFIG.format(mail=mail, routes=US_LATE if smtp else "", retry=retry)
    path = tmp_path / "notifications.yml"
    path.write_text(text)
    monkeypatch.setenv("SELLERHEALTH_NOTIFICATIONS", str(path))
    monkeypatch.delenv("SELLERHEALTH_NOTIFY_RECENT_DAYS", raising=False)
    return path


SLACK_PATH, HOOK_PATH = f"/slack/{SLACK_SECRET}", f"/hook/{HOOK_SECRET}"


def test_each_route_gets_one_message_per_run_with_what_changed_and_nothing_when_nothing_changed(
    tmp_path, monkeypatch, warehouse_path, http, smtp
):
    write_config(tmp_path, monkeypatch, smtp)

    # Night 3: the US odr alert opens CRITICAL (route critical: Slack and webhook); the late shipment
    # alert opens WARNING (route us-late: e-mail only); the DE WARNING goes nowhere.
    assert night(warehouse_path, 3).success
    (slack,) = http.on(SLACK_PATH)
    (hook,) = http.on(HOOK_PATH)
    (mail,) = smtp.mails
    odr_line = (
        "- OPENED CRITICAL A2SELLER1X / US: odr (MFN, 60-day window) 1.50% against target < 1.00%; "
        "open 1 days since 2026-03-03"
    )
    odr_behind = (
        "behind it: 3 of 200 in the window 2026-01-03 .. 2026-03-03; "
        "top SKUs: SKU-A (1 order), SKU-B (1 order), SKU-C (1 order)"
    )
    assert slack.body["text"].splitlines() == ["sellerhealth, route critical: 1 opened", odr_line, "  " + odr_behind]
    assert hook.headers["authorization"] == AUTH_SECRET
    assert hook.headers["idempotency-key"] == hook.body["idempotency_key"]
    assert (hook.body["route"], hook.body["test"], hook.body["text"]) == ("critical", False, slack.body["text"])
    (change,) = hook.body["changes"]
    assert {k: change[k] for k in ("change", "seller_id", "marketplace", "metric", "window_days", "severity")} == {
        "change": "OPENED",
        "seller_id": SELLER,
        "marketplace": "US",
        "metric": "odr",
        "window_days": 60,
        "severity": "CRITICAL",
    }
    assert (change["value"], change["target"], change["opened_on"], change["days_open"]) == (
        0.015,
        0.01,
        "2026-03-03",
        1,
    )

    message = email.message_from_bytes(mail.content, policy=email.policy.default)
    assert (mail.rcpt_tos, mail.login, smtp.logins) == (["ops@example.com"], SMTP_USER, [(SMTP_USER, True)])
    assert message["Subject"] == "[sellerhealth] us-late: 1 opened"
    body = message.get_content()
    assert (
        "- OPENED WARNING A2SELLER1X / US: late_shipment_rate (MFN, 30-day window) 3.80% against target < 4.00%; "
        "open 2 days since 2026-03-02" in body
    )
    assert "odr" not in body and "A3SELLER2X" not in body and "A3SELLER2X" not in slack.body["text"]
    keys = {row[3]: row[6] for row in outbox(warehouse_path)}
    assert hook.headers["idempotency-key"] == keys["hook"] and message["X-Idempotency-Key"] == keys["mail"]
    assert [row[:6] for row in outbox(warehouse_path)] == [
        ("late_shipment_rate", "OPENED", "us-late", "mail", "SENT", 1),
        ("odr", "OPENED", "critical", "hook", "SENT", 1),
        ("odr", "OPENED", "critical", "team", "SENT", 1),
    ]

    # Night 4: late escalates (to both routes), odr resolves (critical only): one message each.
    assert night(warehouse_path, 4).success
    assert (len(http.on(SLACK_PATH)), len(http.on(HOOK_PATH)), len(smtp.mails)) == (2, 2, 2)
    assert http.on(SLACK_PATH)[1].body["text"].splitlines() == [
        "sellerhealth, route critical: 1 escalated to CRITICAL, 1 resolved",
        "- ESCALATED CRITICAL A2SELLER1X / US: late_shipment_rate (MFN, 30-day window) 4.50% against target < 4.00%; "
        "open 3 days since 2026-03-02",
        "  behind it: 9 of 200 in the window 2026-02-03 .. 2026-03-04",  # no late shipment in fct_orders: no SKUs
        "- RESOLVED CRITICAL A2SELLER1X / US: odr (MFN, 60-day window) 1.50% against target < 1.00%; "
        "resolved on 2026-03-04 after 1 days",
        "  " + odr_behind,  # as on its last breached day
    ]
    second_mail = email.message_from_bytes(smtp.mails[1].content, policy=email.policy.default)
    assert second_mail["Subject"] == "[sellerhealth] us-late: 1 escalated to CRITICAL"

    # The same data again: nothing changed, nothing sent.
    assert night(warehouse_path, 4).success
    assert (len(http.on(SLACK_PATH)), len(http.on(HOOK_PATH)), len(smtp.mails)) == (2, 2, 2)


def test_a_receiver_down_for_one_run_gets_the_message_on_the_next_run_once(tmp_path, monkeypatch, warehouse_path, http):
    write_config(tmp_path, monkeypatch, retry="retry: {backoff_minutes: 0}")
    hook_port = http.port
    http.stop()
    slack = HttpReceiver().start()  # Slack stays up on a port of its own
    monkeypatch.setenv("TEST_SLACK_URL", slack.url(SLACK_PATH))

    result = night(warehouse_path, 3)
    assert result.success  # a failing channel fails no run
    (check,) = result.get_asset_check_evaluations()
    assert (check.asset_key, check.passed, check.severity) == (DELIVERY_KEY, False, dg.AssetCheckSeverity.WARN)
    assert len(slack.on(SLACK_PATH)) == 1  # the other channel was not held up
    assert [row[3:6] for row in outbox(warehouse_path)] == [("hook", "FAILED", 1), ("team", "SENT", 1)]

    http.port = hook_port
    http.start()
    result = night(warehouse_path, 3)
    (post,) = http.on(HOOK_PATH)
    assert post.headers["idempotency-key"] == outbox(warehouse_path)[0][6]
    assert [row[3:6] for row in outbox(warehouse_path)] == [("hook", "SENT", 2), ("team", "SENT", 1)]
    assert result.get_asset_check_evaluations()[0].passed

    night(warehouse_path, 3)
    assert (len(http.on(HOOK_PATH)), len(slack.on(SLACK_PATH))) == (1, 1)
    slack.stop()


def test_a_failed_channel_waits_for_its_backoff(tmp_path, monkeypatch, warehouse_path, http):
    write_config(tmp_path, monkeypatch)  # default backoff: 10 minutes after the first failure
    http.status = 503
    night(warehouse_path, 3)
    http.status = 200
    night(warehouse_path, 3)  # minutes later at most: not yet
    assert len(http.on(HOOK_PATH)) == 1
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        rows = con.execute(
            "select channel, status, attempts, last_error, next_attempt_at - last_attempt_at "
            "from marts.alert_notifications order by channel"
        ).fetchall()
    assert rows == [
        ("hook", "FAILED", 1, "HTTP 503 Service Unavailable from the webhook endpoint", timedelta(minutes=10)),
        ("team", "FAILED", 1, "HTTP 503 Service Unavailable from the slack endpoint", timedelta(minutes=10)),
    ]


def test_killed_between_send_and_record_repeats_only_the_message_in_flight_with_its_key(
    tmp_path, monkeypatch, warehouse_path, http
):
    write_config(tmp_path, monkeypatch)
    # Night 4 from nothing: odr opened and resolved (day 4), late first seen CRITICAL, opened on day 2
    # (before the recent period, days 3..4) but CRITICAL since day 4: ESCALATED. Route critical takes
    # both: one message to Slack and one to the webhook.
    night(warehouse_path, 4, assets=(alerts, alert_notifications))
    before = outbox(warehouse_path)
    assert {row[4] for row in before} == {"PENDING"}

    sender: list[subprocess.Popen] = []
    http.on_request = lambda post: os.kill(sender[0].pid, signal.SIGKILL)
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse_path)}
    command = [sys.executable, "-c", "import sys; from pipelines.cli import main; sys.exit(main(['notify']))"]
    sender.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    sender[0].communicate(timeout=120)
    assert sender[0].returncode == -signal.SIGKILL
    (first,) = http.posts
    in_flight = [row for row in outbox(warehouse_path) if row[6] == first.headers["idempotency-key"]]
    assert {row[4:6] for row in in_flight} == {("PENDING", 1)}  # sent, not recorded

    http.on_request = None
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p.path for p in http.posts].count(first.path) == 2
    repeated = [p for p in http.posts if p.path == first.path]
    assert repeated[0].headers["idempotency-key"] == repeated[1].headers["idempotency-key"]
    assert repeated[0].body == repeated[1].body
    assert len(http.posts) == 3  # the other message once
    assert {row[4] for row in outbox(warehouse_path)} == {"SENT"}


def test_a_backfill_sends_only_the_changes_of_the_recent_period(tmp_path, monkeypatch, warehouse_path, http):
    write_config(tmp_path, monkeypatch)
    # 30 days in one run: odr BAD on days 5..8 (resolved day 9), late BAD on days 29..30 (open).
    odr = ["BAD" if 5 <= n <= 8 else "GOOD" for n in range(1, 31)]
    late = ["BAD" if n >= 29 else "GOOD" for n in range(1, 31)]
    rows = [
        (SELLER, US, channel, metric, window, day(n), status, 0.05, 0.01, "LESS_THAN", 10.0, 200, day(n), day(n))
        for channel, metric, window, statuses in (("MFN", "odr", 60, odr), ("MFN", "late_shipment_rate", 30, late))
        for n, status in enumerate(statuses, 1)
    ]
    write_metrics(warehouse_path, rows)
    dg.materialize(
        [alerts, alert_notifications, notification_delivery],
        resources={"warehouse": Warehouse(path=str(warehouse_path)), "notifications": Notifications()},
        instance=dg.DagsterInstance.ephemeral(),
    )
    (post,) = http.on(HOOK_PATH)
    assert [(c["change"], c["metric"], c["opened_on"]) for c in post.body["changes"]] == [
        ("OPENED", "late_shipment_rate", "2026-03-29")
    ]
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        skipped = con.execute(
            "select distinct metric, change, change_day, reason from marts.alert_notifications where status = 'SKIPPED'"
        ).fetchall()
    assert skipped == [
        (
            "odr",
            "RESOLVED",
            day(9),
            "the change's day 2026-03-09 is before the recent period (2026-03-29 .. 2026-03-30, 2 days of data): "
            "not sent",
        )
    ]


def test_a_recent_period_of_one_day_skips_yesterday(tmp_path, monkeypatch, warehouse_path, http):
    write_config(tmp_path, monkeypatch)
    monkeypatch.setenv("SELLERHEALTH_NOTIFY_RECENT_DAYS", "1")
    night(warehouse_path, 3)  # odr opened on day 3 (sent), late opened on day 2 (goes to no route here)
    assert len(http.on(HOOK_PATH)) == 1
    night(warehouse_path, 4)  # day 4: late escalated on day 4 and odr resolved on day 4: both sent
    assert len(http.on(HOOK_PATH)) == 2
    monkeypatch.setenv("SELLERHEALTH_NOTIFY_RECENT_DAYS", "1")
    fresh = warehouse_path.with_name("fresh.duckdb")
    night(fresh, 3)  # a fresh warehouse sees the DE and late alerts too; only day 3's odr is recent
    assert [c["metric"] for c in http.on(HOOK_PATH)[2].body["changes"]] == ["odr"]


def test_secrets_never_reach_logs_tables_or_dagster_events(tmp_path, monkeypatch, warehouse_path, http, smtp, capfd):
    write_config(tmp_path, monkeypatch, smtp)
    http.status, http.reason = 500, None
    # A receiver whose error names the URL it was posted to: the error is recorded, the secret is not.
    http.on_request = lambda post: setattr(http, "reason", f"no hook at {post.path}")
    instance = dg.DagsterInstance.ephemeral()
    result = night(warehouse_path, 3, instance=instance)
    assert result.success
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        errors = con.execute("select last_error from marts.alert_notifications where status = 'FAILED'").fetchall()
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        dump = "\n".join(str(con.execute(f"select * from {t}").fetchall()) for (t,) in tables)
    assert sorted(errors) == [  # the endpoint quoted the URL's path: replaced
        ("HTTP 500 no hook at *** from the slack endpoint",),
        ("HTTP 500 no hook at *** from the webhook endpoint",),
    ]  # the endpoint echoed the URL: replaced
    events = "\n".join(str(event) for event in result.all_events)
    run_id = result.dagster_run.run_id
    stored = "\n".join(str(entry) for entry in instance.all_logs(run_id))  # what the UI shows
    out, err = capfd.readouterr()
    for secret in (SLACK_SECRET, HOOK_SECRET, AUTH_SECRET.split()[1], SMTP_PASSWORD):
        for where, text in (("tables", dump), ("events", events), ("stored events", stored),
                            ("stdout", out), ("stderr", err)):  # fmt: skip
            assert secret not in text, f"{secret} in {where} of run {run_id}"
    assert len(smtp.mails) == 1 and smtp.logins == [(SMTP_USER, True)]  # the mail went out with the secret login


def test_dry_run_prints_per_route_and_sends_nothing_test_sends_a_test(
    tmp_path, monkeypatch, warehouse_path, http, capsys
):
    write_config(tmp_path, monkeypatch)
    night(warehouse_path, 3, assets=(alerts, alert_notifications))
    before = outbox(warehouse_path)
    capsys.readouterr()
    assert main(["notify", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "route critical, channel team (slack): 1 changes" in out
    assert "route critical, channel hook (webhook): 1 changes" in out
    assert "OPENED CRITICAL A2SELLER1X / US: odr (MFN, 60-day window) 1.50% against target < 1.00%" in out
    assert "2 message(s) would be sent; nothing was sent (dry run)" in out
    assert http.posts == [] and outbox(warehouse_path) == before

    assert main(["notify", "--test", "critical"]) == 0
    assert sorted(p.path for p in http.posts) == sorted([SLACK_PATH, HOOK_PATH])
    assert http.on(SLACK_PATH)[0].body["text"].startswith("sellerhealth: test message for route critical.")
    assert http.on(HOOK_PATH)[0].body["test"] is True
    assert outbox(warehouse_path) == before
    assert main(["notify", "--test", "nope"]) == 2
    assert "no route 'nope'" in capsys.readouterr().err


BAD_FILES = {
    "unknown channel": (CONFIG.replace("type: webhook", "type: teams"), "notifications.yml:6: channels.hook.type"),
    "missing variable": (CONFIG, "notifications.yml:9: channels.hook.headers_env.Authorization"),
    "bad YAML": (CONFIG.replace("  - name: critical", "  - name: critical\n  bad: [indent"), "notifications.yml:1"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_stops_the_run_before_any_data_work(case, tmp_path, monkeypatch, warehouse_path, capsys):
    text, where = BAD_FILES[case]
    path = tmp_path / "notifications.yml"
    path.write_text(text.format(mail="", routes="", retry=""))
    monkeypatch.setenv("SELLERHEALTH_NOTIFICATIONS", str(path))
    monkeypatch.setenv("TEST_SLACK_URL", "https://hooks.slack.example/x")
    monkeypatch.setenv("TEST_HOOK_URL", "https://hooks.example/y")
    monkeypatch.delenv("TEST_HOOK_AUTH", raising=False)
    monkeypatch.setenv("SELLER_EXPORTS_BUCKET", "no-such-bucket-never-listed")
    assert main(["run", "--start", "2026-03-01", "--end", "2026-03-02"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path}/{where}"), err
    assert not warehouse_path.exists()


def test_a_run_launched_by_dagster_with_a_bad_file_stops_before_its_first_step(tmp_path, monkeypatch, warehouse_path):
    """The schedule and the UI start runs without the command line: the resource's setup checks the file."""
    from pipelines.definitions import RUN_JOB_NAME, defs

    path = tmp_path / "notifications.yml"
    path.write_text(CONFIG.format(mail="", routes="", retry=""))
    monkeypatch.setenv("SELLERHEALTH_NOTIFICATIONS", str(path))
    monkeypatch.delenv("TEST_SLACK_URL", raising=False)
    monkeypatch.setenv("SELLER_EXPORTS_BUCKET", "no-such-bucket-never-listed")
    result = defs.resolve_job_def(RUN_JOB_NAME).execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), partition_key="2026-03-01", raise_on_error=False
    )
    assert not result.success
    assert [e for e in result.all_events if e.event_type_value == "STEP_START"] == []
    (failure,) = [e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE"]
    messages = failure.event_specific_data.error.message
    assert f"{path}:4: channels.team.url_env: the environment variable TEST_SLACK_URL is not set" in messages
    assert not warehouse_path.exists()
