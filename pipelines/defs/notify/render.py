"""Messages from templates: Jinja2 files a user can replace (`templates:` in notifications.yml).

The built-in templates are in `templates/` beside this file. A template is rendered in Jinja2's
sandbox with undefined names as errors, and every template is tried once with a sample change when
the file is loaded, so a mistake stops the run before any data work, naming the template and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from pipelines.defs.notify.config import TEMPLATE_NAMES, NotificationsConfig, NotificationsConfigError
from pipelines.lib.metric_names import CONDITIONS, format_value

BUILT_IN = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Rendered:
    text: str
    subject: str
    email_body: str


def _template_path(config: NotificationsConfig, name: str) -> Path:
    return config.templates.get(name) or BUILT_IN / f"{name}.j2"


def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)


def _template(config: NotificationsConfig, name: str) -> jinja2.Template:
    path = _template_path(config, name)
    try:
        return _environment().from_string(path.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        raise NotificationsConfigError(f"{path}:{exc.lineno}: templates.{name}: {exc.message}") from None


def _summary(counts: dict[str, int]) -> str:
    words = {"OPENED": "opened", "ESCALATED": "escalated to CRITICAL", "RESOLVED": "resolved"}
    return ", ".join(f"{n} {words[c]}" for c, n in counts.items() if n) or "no changes"


def _with_texts(change: dict) -> dict:
    out = dict(change)
    metric = out["metric"]
    out["value_text"] = format_value(metric, out.get("value"))
    target = out.get("target")
    out["target_text"] = (
        f"{CONDITIONS.get(out.get('target_condition') or '', '?')} {format_value(metric, target)}"
        if target is not None
        else "-"
    )
    return out


def render(config: NotificationsConfig, route: str, changes: list[dict], test: bool = False) -> Rendered:
    changes = [_with_texts(c) for c in changes]
    counts = {c: sum(x["change"] == c for x in changes) for c in ("OPENED", "ESCALATED", "RESOLVED")}
    context = {
        "route": route,
        "test": test,
        "changes": changes,
        "counts": counts,
        "summary": _summary(counts),
        "config_file": str(config.path),
    }
    out = {}
    for name in TEMPLATE_NAMES:
        if name == "email_body":
            context["text"] = out["text"]
        try:
            out[name] = _template(config, name).render(context).strip()
        except jinja2.TemplateError as exc:
            path = _template_path(config, name)
            line = _error_line(exc)
            raise NotificationsConfigError(f"{path}:{line}: templates.{name}: {exc}") from None
    subject = " ".join(out["email_subject"].split())  # one line, whatever the template did
    return Rendered(out["text"], subject, out["email_body"])


def _error_line(exc: Exception) -> int:
    """The template line of a rendering error, from the traceback Jinja2 rewrites for templates."""
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


SAMPLE_CHANGE = {
    "alert_id": "0123456789abcdef0123",
    "change": "OPENED",
    "change_day": date(2026, 3, 30),
    "seller_id": "A1EXAMPLE",
    "marketplace_id": "ATVPDKIKX0DER",
    "marketplace": "US",
    "source": "sellerhealth",
    "fulfillment_channel": "MFN",
    "metric": "odr",
    "window_days": 60,
    "severity": "CRITICAL",
    "opened_on": date(2026, 3, 30),
    "resolved_on": None,
    "days_open": 2,
    "value": 0.0123,
    "target": 0.01,
    "target_condition": "LESS_THAN",
    "behind": "12 of 980 in the window 2026-01-30 .. 2026-03-30; top SKUs: SKU-1 (5 orders)",
    "headroom": "on 2026-03-31: 260 more clean orders in the window bring it back within target",
}


def check_templates(config: NotificationsConfig) -> None:
    """Render every template once with a sample change and as a test message; raise on any mistake."""
    render(config, "example", [SAMPLE_CHANGE])
    render(config, "example", [{**SAMPLE_CHANGE, "change": "RESOLVED", "resolved_on": date(2026, 3, 31)}])
    render(config, "example", [], test=True)
