"""`notifications.yml`: channels, routes, templates and retries, loaded and checked before any data work.

The file's path is the setting `SELLERHEALTH_NOTIFICATIONS`; without it nothing is sent. Every
mistake is reported as `<file>:<line>: <key>: <what is wrong>`. Secrets (webhook URLs, header values,
SMTP logins) are never written in the file: it names the environment variables that hold them, and
the values are kept in `Secret`s that print as `***`. See docs/notifications.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from pipelines.lib.layout import MARKETPLACES
from pipelines.resources import ConfigurationError
from pipelines.settings import Settings

PATH_VARIABLE = "SELLERHEALTH_NOTIFICATIONS"
RECENT_DAYS_VARIABLE = "SELLERHEALTH_NOTIFY_RECENT_DAYS"
DEFAULT_RECENT_DAYS = int(Settings.notify_recent_days)  # the one default: pipelines/settings.py

SOURCES = ("sellerhealth", "amazon")
SEVERITIES = ("CRITICAL", "WARNING")
CHANGES = ("OPENED", "ESCALATED", "RESOLVED")
TEMPLATE_NAMES = ("text", "email_subject", "email_body")
CHANNEL_TYPES = ("slack", "webhook", "email")

# Keys that would hold a secret in the file itself, and the key to use instead.
_SECRET_KEYS = {
    "url": "url_env",
    "webhook_url": "url_env",
    "password": "password_env",
    "username": "username_env",
    "token": "headers_env",
    "headers": "headers_env",
}


class NotificationsConfigError(ConfigurationError):
    """notifications.yml is wrong; the message names the file, the line and the key."""


class Secret:
    """A value from the environment that must never be printed: str() and repr() give `***`."""

    def __init__(self, value: str, variable: str):
        self._value = value
        self.variable = variable

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__


@dataclass(frozen=True)
class Channel:
    name: str
    type: str  # slack, webhook, email
    url: Secret | None = None  # slack, webhook
    headers: tuple[tuple[str, Secret], ...] = ()  # webhook
    timeout_seconds: float = 10.0
    host: str = ""  # email
    port: int = 587
    starttls: bool = True
    ca_file: str | None = None
    username: Secret | None = None
    password: Secret | None = None
    sender: str = ""
    recipients: tuple[str, ...] = ()

    def secrets(self) -> list[Secret]:
        return [s for s in (self.url, self.username, self.password, *(v for _, v in self.headers)) if s is not None]


@dataclass(frozen=True)
class Match:
    """What a route takes; an empty set takes everything."""

    sellers: frozenset[str] = frozenset()
    marketplaces: frozenset[str] = frozenset()  # marketplace ids
    sources: frozenset[str] = frozenset()
    metrics: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    changes: frozenset[str] = frozenset()

    def takes(self, change: Mapping[str, Any]) -> bool:
        pairs = (
            (self.sellers, "seller_id"),
            (self.marketplaces, "marketplace_id"),
            (self.sources, "source"),
            (self.metrics, "metric"),
            (self.severities, "severity"),
            (self.changes, "change"),
        )
        return all(not allowed or change[key] in allowed for allowed, key in pairs)


@dataclass(frozen=True)
class Route:
    name: str
    match: Match
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 8
    backoff_minutes: float = 10.0  # before the 2nd attempt; doubled after each failure
    max_backoff_minutes: float = 12 * 60.0


@dataclass(frozen=True)
class NotificationsConfig:
    path: Path
    channels: dict[str, Channel]
    routes: tuple[Route, ...]
    templates: dict[str, Path] = field(default_factory=dict)  # user templates by name; others are built in
    retry: Retry = Retry()
    recent_days: int = DEFAULT_RECENT_DAYS

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)

    def scrub(self, text: str) -> str:
        """`text` with every secret of the file replaced by `***` (for errors from libraries and receivers).

        Of a URL, its path and query and each of their parts are secret too: a receiver's error may
        quote the path it was posted to, and the token of a Slack or Teams URL is in its path.
        """
        pieces: set[str] = set()
        for channel in self.channels.values():
            for secret in channel.secrets():
                pieces |= _secret_pieces(secret.reveal())
        for piece in sorted(pieces, key=len, reverse=True):
            text = text.replace(piece, "***")
        return text


def _secret_pieces(value: str) -> set[str]:
    pieces = {value} if len(value) >= 4 else set()
    if value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        tail = parts.path + (f"?{parts.query}" if parts.query else "")
        pieces |= {
            p for p in (tail, parts.path, parts.query, parts.username or "", parts.password or "") if len(p) >= 4
        }
        pieces |= {p for p in re.split(r"[/?&=]", tail) if len(p) >= 6}
    return pieces


# ---------- YAML with line numbers


class _Node:
    """A YAML value with the line (1-based) where it starts."""

    def __init__(self, value: Any, line: int):
        self.value = value
        self.line = line


def _plain(node: yaml.Node) -> _Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            out[str(key_node.value)] = _Node(_plain(value_node), key_node.start_mark.line + 1)
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_plain(item) for item in node.value], line)
    return _Node(_scalar(node), line)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


class _Reader:
    """Walks the parsed file and raises errors that name the file, the line and the key."""

    def __init__(self, path: Path, environ: Mapping[str, str]):
        self.path = path
        self.environ = environ

    def fail(self, line: int, key: str, message: str) -> NotificationsConfigError:
        return NotificationsConfigError(f"{self.path}:{line}: {key}: {message}")

    def mapping(self, node: _Node, key: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(node.value, dict):
            raise self.fail(node.line, key, f"expected a mapping of keys, got {_kind(node.value)}")
        entries: dict[str, _Node] = node.value
        for name, entry in entries.items():
            if name not in allowed:
                hint = _SECRET_KEYS.get(name)
                if hint and hint in allowed:
                    raise self.fail(
                        entry.line,
                        f"{key}.{name}",
                        f"secrets are not written in this file: put the value in an environment variable "
                        f"and name it with `{hint}`",
                    )
                raise self.fail(entry.line, f"{key}.{name}", f"unknown key; the keys here are {', '.join(allowed)}")
        for name in required:
            if name not in entries:
                raise self.fail(node.line, f"{key}.{name}", "missing; it is required")
        return entries

    def string(self, entry: _Node, key: str) -> str:
        value = entry.value.value
        if not isinstance(value, str) or not value.strip():
            raise self.fail(entry.line, key, f"expected a non-empty text, got {_kind(value)}")
        return value.strip()

    def strings(self, entry: _Node, key: str) -> list[tuple[str, int]]:
        """A list of texts (a single text counts as a list of one), each with its line."""
        inner = entry.value
        items = inner.value if isinstance(inner.value, list) else [inner]
        out = []
        for item in items:
            if not isinstance(item.value, str | int) or isinstance(item.value, bool) or str(item.value).strip() == "":
                raise self.fail(item.line, key, f"expected a list of texts, got {_kind(item.value)}")
            out.append((str(item.value).strip(), item.line))
        return out

    def number(self, entry: _Node, key: str, minimum: float, integer: bool = False) -> float:
        value = entry.value.value
        ok = isinstance(value, int | float) and not isinstance(value, bool) and (not integer or isinstance(value, int))
        if not ok or value < minimum:
            kind = "a whole number" if integer else "a number"
            raise self.fail(entry.line, key, f"expected {kind} of at least {minimum:g}, got {value!r}")
        return value

    def boolean(self, entry: _Node, key: str) -> bool:
        value = entry.value.value
        if not isinstance(value, bool):
            raise self.fail(entry.line, key, f"expected true or false, got {value!r}")
        return value

    def secret(self, entry: _Node, key: str) -> Secret:
        variable = self.string(entry, key)
        value = self.environ.get(variable)
        if not value:
            raise self.fail(entry.line, key, f"the environment variable {variable} is not set (or empty)")
        return Secret(value, variable)


def _kind(value: Any) -> str:
    if isinstance(value, _Node):
        value = value.value
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{value!r}"


# ---------- the file's sections

_COMMON_CHANNEL_KEYS = ("type", "timeout_seconds")
_CHANNEL_KEYS = {
    "slack": (*_COMMON_CHANNEL_KEYS, "url_env"),
    "webhook": (*_COMMON_CHANNEL_KEYS, "url_env", "headers_env"),
    "email": (
        *_COMMON_CHANNEL_KEYS,
        "host",
        "port",
        "starttls",
        "ca_file",
        "username_env",
        "password_env",
        "from",
        "to",
    ),
}
_REQUIRED_CHANNEL_KEYS = {"slack": ("url_env",), "webhook": ("url_env",), "email": ("host", "from", "to")}


def _channel(reader: _Reader, name: str, node: _Node) -> Channel:
    key = f"channels.{name}"
    if not isinstance(node.value, dict):
        raise reader.fail(node.line, key, f"expected a mapping of keys, got {_kind(node.value)}")
    type_entry = node.value.get("type")
    if type_entry is None:
        raise reader.fail(node.line, f"{key}.type", f"missing; one of {', '.join(CHANNEL_TYPES)}")
    kind = reader.string(type_entry, f"{key}.type")
    if kind not in CHANNEL_TYPES:
        raise reader.fail(
            type_entry.line, f"{key}.type", f"unknown channel type {kind!r}; one of {', '.join(CHANNEL_TYPES)}"
        )
    entries = reader.mapping(node, key, _CHANNEL_KEYS[kind], _REQUIRED_CHANNEL_KEYS[kind])
    args: dict[str, Any] = {"name": name, "type": kind}
    if "timeout_seconds" in entries:
        args["timeout_seconds"] = float(reader.number(entries["timeout_seconds"], f"{key}.timeout_seconds", 0.1))
    if "url_env" in entries:
        args["url"] = reader.secret(entries["url_env"], f"{key}.url_env")
        if not args["url"].reveal().startswith(("http://", "https://")):
            raise reader.fail(
                entries["url_env"].line,
                f"{key}.url_env",
                f"the value of {args['url'].variable} is not an http:// or https:// URL",
            )
    if "headers_env" in entries:
        headers_node = entries["headers_env"].value
        headers = reader.mapping(headers_node, f"{key}.headers_env", tuple(headers_node.value or ()))
        args["headers"] = tuple(
            (header, reader.secret(entry, f"{key}.headers_env.{header}")) for header, entry in headers.items()
        )
    if kind == "email":
        args["host"] = reader.string(entries["host"], f"{key}.host")
        if "port" in entries:
            args["port"] = int(reader.number(entries["port"], f"{key}.port", 1, integer=True))
        if "starttls" in entries:
            args["starttls"] = reader.boolean(entries["starttls"], f"{key}.starttls")
        if "ca_file" in entries:
            ca_file = (reader.path.parent / reader.string(entries["ca_file"], f"{key}.ca_file")).resolve()
            if not ca_file.is_file():
                raise reader.fail(entries["ca_file"].line, f"{key}.ca_file", f"no such file {ca_file}")
            args["ca_file"] = str(ca_file)
        if "username_env" in entries:
            args["username"] = reader.secret(entries["username_env"], f"{key}.username_env")
        if "password_env" in entries:
            if "username_env" not in entries:
                raise reader.fail(
                    entries["password_env"].line, f"{key}.password_env", "a password needs `username_env` too"
                )
            args["password"] = reader.secret(entries["password_env"], f"{key}.password_env")
        args["sender"] = _address(
            reader, reader.string(entries["from"], f"{key}.from"), entries["from"].line, f"{key}.from"
        )
        recipients = reader.strings(entries["to"], f"{key}.to")
        if not recipients:
            raise reader.fail(entries["to"].line, f"{key}.to", "name at least one address")
        args["recipients"] = tuple(_address(reader, text, line, f"{key}.to") for text, line in recipients)
    return Channel(**args)


def _address(reader: _Reader, text: str, line: int, key: str) -> str:
    if "@" not in text or any(c in text for c in "\r\n"):
        raise reader.fail(line, key, f"{text!r} is not an e-mail address")
    return text


_MATCH_KEYS = ("sellers", "marketplaces", "sources", "metrics", "severities", "changes")


def _route(reader: _Reader, index: int, node: _Node, channels: Mapping[str, Channel]) -> Route:
    key = f"routes[{index}]"
    entries = reader.mapping(node, key, ("name", "match", "channels"), ("name", "channels"))
    name = reader.string(entries["name"], f"{key}.name")
    key = f"routes[{index}] ({name})"
    match: dict[str, frozenset[str]] = {}
    if "match" in entries:
        for field_name, entry in reader.mapping(entries["match"].value, f"{key}.match", _MATCH_KEYS).items():
            values = []
            for text, line in reader.strings(entry, f"{key}.match.{field_name}"):
                values.append(_match_value(reader, field_name, text, line, f"{key}.match.{field_name}"))
            match[field_name] = frozenset(values)
    names = []
    for text, line in reader.strings(entries["channels"], f"{key}.channels"):
        if text not in channels:
            known = ", ".join(channels) or "none"
            raise reader.fail(line, f"{key}.channels", f"unknown channel {text!r}; the channels are: {known}")
        names.append(text)
    if not names:
        raise reader.fail(entries["channels"].line, f"{key}.channels", "name at least one channel")
    return Route(name, Match(**match), tuple(dict.fromkeys(names)))


def _match_value(reader: _Reader, field_name: str, text: str, line: int, key: str) -> str:
    if field_name == "marketplaces":
        if text in MARKETPLACES:
            return text
        by_code = {m.code: m.marketplace_id for m in MARKETPLACES.values()}
        if text.upper() in by_code:
            return by_code[text.upper()]
        raise reader.fail(line, key, f"unknown marketplace {text!r}; use an id like ATVPDKIKX0DER or a code like US")
    allowed = {"sources": SOURCES, "severities": SEVERITIES, "changes": CHANGES}.get(field_name)
    if allowed:
        value = text.lower() if field_name == "sources" else text.upper()
        if value not in allowed:
            raise reader.fail(line, key, f"unknown value {text!r}; one of {', '.join(allowed)}")
        return value
    return text


def parse_notifications(path: Path, text: str, environ: Mapping[str, str] = os.environ) -> NotificationsConfig:
    """The configuration in `text` (the content of `path`), checked; raises NotificationsConfigError."""
    reader = _Reader(path, environ)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise NotificationsConfigError(f"{path}:{line}: (YAML): not valid YAML: {problem}") from None
    if root is None:
        raise NotificationsConfigError(f"{path}:1: (file): empty; it needs `channels` and `routes`")
    top = reader.mapping(_plain(root), "(file)", ("channels", "routes", "templates", "retry"), ("channels", "routes"))
    channels_node = top["channels"].value
    channel_entries = reader.mapping(channels_node, "channels", tuple(channels_node.value or ()))
    channels = {name: _channel(reader, name, entry.value) for name, entry in channel_entries.items()}
    if not channels:
        raise reader.fail(top["channels"].line, "channels", "define at least one channel")
    routes_node = top["routes"].value
    if not isinstance(routes_node.value, list) or not routes_node.value:
        raise reader.fail(top["routes"].line, "routes", "expected a list of routes (`- name: ...`)")
    routes: list[Route] = []
    for index, item in enumerate(routes_node.value):
        route = _route(reader, index, item, channels)
        if any(r.name == route.name for r in routes):
            raise reader.fail(item.line, f"routes[{index}].name", f"a second route named {route.name!r}")
        routes.append(route)
    templates: dict[str, Path] = {}
    if "templates" in top:
        for name, entry in reader.mapping(top["templates"].value, "templates", TEMPLATE_NAMES).items():
            template = (path.parent / reader.string(entry, f"templates.{name}")).resolve()
            if not template.is_file():
                raise reader.fail(entry.line, f"templates.{name}", f"no such file {template}")
            templates[name] = template
    retry = Retry()
    if "retry" in top:
        entries = reader.mapping(
            top["retry"].value, "retry", ("max_attempts", "backoff_minutes", "max_backoff_minutes")
        )
        retry = Retry(
            max_attempts=int(reader.number(entries["max_attempts"], "retry.max_attempts", 1, integer=True))
            if "max_attempts" in entries
            else retry.max_attempts,
            backoff_minutes=float(reader.number(entries["backoff_minutes"], "retry.backoff_minutes", 0))
            if "backoff_minutes" in entries
            else retry.backoff_minutes,
            max_backoff_minutes=float(reader.number(entries["max_backoff_minutes"], "retry.max_backoff_minutes", 0))
            if "max_backoff_minutes" in entries
            else retry.max_backoff_minutes,
        )
    config = NotificationsConfig(path, channels, tuple(routes), templates, retry, recent_days(environ))
    from pipelines.defs.notify.render import check_templates  # templates are checked with the file

    check_templates(config)
    return config


def recent_days(environ: Mapping[str, str]) -> int:
    text = environ.get(RECENT_DAYS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_RECENT_DAYS
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"{RECENT_DAYS_VARIABLE}={text!r}: set it to a whole number of days, 1 or more")
    return int(text)


def notifications_path(environ: Mapping[str, str] = os.environ) -> Path | None:
    text = environ.get(PATH_VARIABLE, "").strip()
    return Path(text).expanduser().resolve() if text else None


def load_notifications(environ: Mapping[str, str] = os.environ) -> NotificationsConfig | None:
    """The checked configuration, or None when SELLERHEALTH_NOTIFICATIONS is not set (nothing is sent)."""
    path = notifications_path(environ)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotificationsConfigError(
            f"{path}: no such file ({PATH_VARIABLE} names it); copy notifications.example.yml there, "
            f"or unset {PATH_VARIABLE} to send nothing"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotificationsConfigError(f"{path}: cannot be read: {exc}") from None
    return parse_notifications(path, text, environ)
