"""notifications.yml: a good file loads; every mistake names the file, the line and the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelines.defs.notify.config import NotificationsConfigError, load_notifications, parse_notifications
from pipelines.defs.notify.outbox import AlertState, find_changes

ENV = {
    "SLACK_URL": "https://hooks.slack.example/services/T0/B0/secret-part",
    "HOOK_URL": "https://hooks.example.internal/alerts",
    "HOOK_AUTH": "Bearer abc123",
    "SMTP_USER": "mailer",
    "SMTP_PASSWORD": "pw-very-secret",
}

GOOD = """\
channels:
  team:
    type: slack
    url_env: SLACK_URL
  hook:
    type: webhook
    url_env: HOOK_URL
    headers_env:
      Authorization: HOOK_AUTH
  mail:
    type: email
    host: smtp.example.com
    username_env: SMTP_USER
    password_env: SMTP_PASSWORD
    from: sh@example.com
    to: ops@example.com
routes:
  - name: critical
    match:
      severities: [critical]
      marketplaces: [US, A1PA6795UKMFR9]
    channels: [team, hook]
  - name: everything
    channels: [mail]
"""


def parse(text: str, environ=ENV, name: str = "notifications.yml"):
    return parse_notifications(Path("/etc/sh") / name, textwrap.dedent(text), environ)


def error(text: str, environ=ENV) -> str:
    with pytest.raises(NotificationsConfigError) as caught:
        parse(text, environ)
    return str(caught.value)


def test_a_good_file_gives_channels_routes_and_secrets_that_print_as_stars():
    config = parse(GOOD)
    assert list(config.channels) == ["team", "hook", "mail"]
    critical, everything = config.routes
    assert critical.match.severities == {"CRITICAL"}
    assert critical.match.marketplaces == {"ATVPDKIKX0DER", "A1PA6795UKMFR9"}  # US by its code, DE by its id
    assert everything.match.takes({"seller_id": "X", "marketplace_id": "Y", "source": "amazon", "metric": "m",
                                   "severity": "WARNING", "change": "OPENED"})  # fmt: skip
    mail = config.channels["mail"]
    assert (mail.port, mail.starttls, mail.recipients) == (587, True, ("ops@example.com",))
    assert mail.password.reveal() == "pw-very-secret"
    assert "pw-very-secret" not in repr(config) and "secret-part" not in repr(config)
    assert config.recent_days == 2
    assert config.scrub("POST to https://hooks.slack.example/services/T0/B0/secret-part failed") == "POST to *** failed"


def test_an_unknown_channel_type_names_file_line_and_key():
    text = GOOD.replace("type: webhook", "type: pager")
    assert error(text) == (
        "/etc/sh/notifications.yml:6: channels.hook.type: unknown channel type 'pager'; one of slack, webhook, email"
    )


def test_a_route_to_an_undefined_channel_names_its_line():
    text = GOOD.replace("channels: [team, hook]", "channels: [team, sms]")
    assert error(text).startswith("/etc/sh/notifications.yml:22: routes[0] (critical).channels: unknown channel 'sms'")


def test_a_missing_environment_variable_names_the_line_that_names_it():
    environ = {k: v for k, v in ENV.items() if k != "SMTP_PASSWORD"}
    assert error(GOOD, environ) == (
        "/etc/sh/notifications.yml:14: channels.mail.password_env: "
        "the environment variable SMTP_PASSWORD is not set (or empty)"
    )


def test_bad_yaml_names_the_line():
    text = GOOD.replace("    url_env: HOOK_URL\n", "    url_env: [HOOK_URL\n")
    message = error(text)
    assert message.startswith("/etc/sh/notifications.yml:") and "not valid YAML" in message
    assert int(message.split(":")[1]) in (7, 8)  # the flow sequence opened on line 7 never closes


def test_a_secret_written_in_the_file_is_refused():
    text = GOOD.replace("    url_env: SLACK_URL", "    url: https://hooks.slack.example/x")
    assert error(text) == (
        "/etc/sh/notifications.yml:4: channels.team.url: secrets are not written in this file: put the value "
        "in an environment variable and name it with `url_env`"
    )


def test_other_mistakes_name_their_key():
    assert "routes[1] (everything).match.severities: unknown value 'urgent'" in error(
        GOOD.replace("    channels: [mail]", "    match: {severities: urgent}\n    channels: [mail]")
    )
    assert ":13: channels.mail.port: expected a whole number" in error(
        GOOD.replace("    host: smtp.example.com", "    host: smtp.example.com\n    port: x")
    )
    assert ":1: (file).channels: missing" in error("routes: []\n")
    assert "routes[1].name: a second route named 'critical'" in error(GOOD.replace("everything", "critical"))
    assert "channels.hook.url_env: the value of HOOK_URL is not an http:// or https:// URL" in error(
        GOOD, {**ENV, "HOOK_URL": "ftp://x"}
    )


def test_a_template_with_a_mistake_is_refused_with_its_line(tmp_path):
    (tmp_path / "text.j2").write_text("route {{ route }}\n{% for c in changes %}{{ c.metric }\n{% endfor %}\n")
    path = tmp_path / "notifications.yml"
    path.write_text(GOOD + "templates:\n  text: text.j2\n")
    with pytest.raises(NotificationsConfigError, match=r"text\.j2:2: templates\.text: "):
        load_notifications({**ENV, "SELLERHEALTH_NOTIFICATIONS": str(path)})
    (tmp_path / "text.j2").write_text("route {{ route }}\n{{ no_such_thing }}\n")
    with pytest.raises(NotificationsConfigError, match=r"text\.j2:2: templates\.text: 'no_such_thing' is undefined"):
        load_notifications({**ENV, "SELLERHEALTH_NOTIFICATIONS": str(path)})


def test_no_setting_means_no_notifications_and_a_missing_file_is_an_error(tmp_path):
    assert load_notifications({}) is None
    with pytest.raises(NotificationsConfigError, match="no such file"):
        load_notifications({"SELLERHEALTH_NOTIFICATIONS": str(tmp_path / "nope.yml")})


def _alert(alert_id: str, status: str, severity: str) -> AlertState:
    from datetime import date

    return AlertState(alert_id, "S", "M", "sellerhealth", "MFN", "odr", 60, severity, status,
                      date(2026, 3, 1), date(2026, 3, 2), None, 0.02, 0.01, "LESS_THAN")  # fmt: skip


def test_changes_are_opened_escalated_and_resolved_and_nothing_else():
    before = {
        "a": ("OPEN", "WARNING"),
        "b": ("OPEN", "CRITICAL"),
        "c": ("OPEN", "WARNING"),
        "d": ("RESOLVED", "WARNING"),
    }
    after = [
        _alert("a", "OPEN", "CRITICAL"),  # escalated
        _alert("b", "OPEN", "CRITICAL"),  # unchanged
        _alert("c", "RESOLVED", "WARNING"),  # resolved
        _alert("d", "RESOLVED", "WARNING"),  # unchanged
        _alert("e", "OPEN", "WARNING"),  # opened
        _alert("f", "RESOLVED", "CRITICAL"),  # opened and resolved between two runs: resolved
    ]
    found = {(a.alert_id, change) for change, a in find_changes(before, after)}
    assert found == {("a", "ESCALATED"), ("c", "RESOLVED"), ("e", "OPENED"), ("f", "RESOLVED")}


def test_the_example_file_in_the_repository_loads():
    from tests.conftest import REPO

    example = REPO / "notifications.example.yml"
    variables = ("SELLERHEALTH_SLACK_WEBHOOK_URL", "ONCALL_WEBHOOK_URL", "ONCALL_WEBHOOK_AUTHORIZATION",
                 "SELLERHEALTH_SMTP_USER", "SELLERHEALTH_SMTP_PASSWORD")  # fmt: skip
    environ = {name: "https://example.com/x" for name in variables}
    config = load_notifications({**environ, "SELLERHEALTH_NOTIFICATIONS": str(example)})
    assert [r.name for r in config.routes] == ["critical-everywhere", "us-shipping"]
    assert config.routes[1].match.marketplaces == {"ATVPDKIKX0DER"}


def _alerts_con(with_source: bool):
    import duckdb

    from pipelines.defs.alerts.assets import ensure_alerts_table

    con = duckdb.connect()
    ensure_alerts_table(con)
    if not with_source:  # a table from before alerts had a source
        con.execute("alter table marts.alerts drop column source")
    for alert_id, source in (("a1", "sellerhealth"), ("a2", "amazon")):
        con.execute(
            "insert into marts.alerts (alert_id, seller_id, marketplace_id, fulfillment_channel, metric, window_days, "
            "severity, status, opened_on, last_breached_on) values (?, 'S', 'ATVPDKIKX0DER', 'MFN', 'odr', 60, "
            "'CRITICAL', 'OPEN', date '2026-03-02', date '2026-03-02')",
            [alert_id],
        )
        if with_source:
            con.execute("update marts.alerts set source = ? where alert_id = ?", [source, alert_id])
    return con


@pytest.mark.parametrize("with_source", [True, False])
def test_routes_match_the_alerts_source_and_sellerhealth_when_the_table_has_none(with_source):
    from datetime import datetime

    from pipelines.defs.notify.outbox import record_changes

    config = parse(
        GOOD.replace("      severities: [critical]\n", "      sources: [amazon]\n").replace(
            "      marketplaces: [US, A1PA6795UKMFR9]\n", ""
        )
    )
    con = _alerts_con(with_source)
    record_changes(con, config, datetime(2026, 3, 3, 6, 0), recent_days=2)
    rows = con.execute("select alert_id, source, route from marts.alert_notifications order by all").fetchall()
    everything = [
        ("a1", "sellerhealth", "everything"),
        ("a2", "amazon" if with_source else "sellerhealth", "everything"),
    ]
    amazon = [("a2", "amazon", "critical"), ("a2", "amazon", "critical")] if with_source else []  # team and hook
    assert rows == sorted(everything + amazon)


def test_the_headroom_is_in_the_message_once_the_warehouse_has_it():
    """The example of the headroom's definition: late shipments 30 d, B = 9 of N = 200 (4.5 %, BAD): 26 to recover."""
    from datetime import datetime

    from pipelines.defs.notify.outbox import due_messages, record_changes
    from pipelines.defs.notify.render import render

    config = parse(GOOD)
    con = _alerts_con(with_source=False)
    con.execute("update marts.alerts set metric = 'late_shipment_rate', window_days = 30 where alert_id = 'a1'")
    con.execute("delete from marts.alerts where alert_id = 'a2'")
    con.execute(
        "create table marts.seller_metrics_daily as select 'S' as seller_id, 'ATVPDKIKX0DER' as marketplace_id, "
        "'MFN' as fulfillment_channel, 'late_shipment_rate' as metric, 30 as window_days, "
        "date '2026-03-02' as as_of_date, 'BAD' as status, 26 as orders_to_recover, null::integer as events_to_breach"
    )
    record_changes(con, config, datetime(2026, 3, 3, 6, 0), recent_days=2)
    (message,) = [m for m in due_messages(con, datetime(2026, 3, 3, 6, 1)) if m.channel == "mail"]
    text = render(config, message.route, message.changes).text
    assert "  headroom on 2026-03-02: 26 more clean orders in the window bring it back within target" in text
