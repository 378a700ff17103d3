"""Sending one message through one channel: a Slack incoming webhook, a JSON webhook, or SMTP e-mail.

HTTP goes through Python's `urllib` (a POST of JSON; any 2xx is success), e-mail through `smtplib`
and `email`. Every message carries its idempotency key: the `Idempotency-Key` header and the
`idempotency_key` field of a webhook's JSON, and the `Message-ID` and `X-Idempotency-Key` headers of
an e-mail, so a receiver can drop the copy a re-send after a crash may bring.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

from pipelines.defs.notify.config import Channel
from pipelines.defs.notify.outbox import changes_json
from pipelines.defs.notify.render import Rendered

USER_AGENT = "sellerhealth-notify/1"


class SendFailed(RuntimeError):
    """The channel did not take the message; the text never holds a secret."""


def slack_payload(rendered: Rendered) -> dict:
    return {"text": rendered.text}


def webhook_payload(rendered: Rendered, route: str, key: str, changes: list[dict], test: bool) -> dict:
    return {
        "idempotency_key": key,
        "source": "sellerhealth",
        "route": route,
        "test": test,
        "summary": rendered.subject,
        "text": rendered.text,
        "changes": changes_json(changes),
    }


def _post_json(channel: Channel, payload: dict, key: str) -> None:
    assert channel.url is not None
    request = urllib.request.Request(
        channel.url.reveal(),
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": key,
            **{name: value.reveal() for name, value in channel.headers},
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=channel.timeout_seconds) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"HTTP {exc.code} {exc.reason} from the {channel.type} endpoint") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise SendFailed(f"the {channel.type} endpoint cannot be reached: {reason}") from None


def email_message(channel: Channel, rendered: Rendered, key: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.recipients)
    message["Date"] = formatdate(localtime=False)
    domain = channel.sender.rsplit("@", 1)[-1]
    message["Message-ID"] = f"<{key}@{domain}>"
    message["X-Idempotency-Key"] = key
    message.set_content(rendered.email_body + "\n")
    return message


def _send_email(channel: Channel, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_seconds) as smtp:
            smtp.ehlo()
            if channel.starttls:
                context = ssl.create_default_context(cafile=channel.ca_file)
                smtp.starttls(context=context)
                smtp.ehlo()
            if channel.username is not None:
                smtp.login(channel.username.reveal(), channel.password.reveal() if channel.password else "")
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"SMTP login to {channel.host}:{channel.port} refused ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"SMTP server {channel.host}:{channel.port} answered {exc.smtp_code}") from None
    except smtplib.SMTPException as exc:
        raise SendFailed(f"SMTP to {channel.host}:{channel.port} failed: {type(exc).__name__}: {exc}") from None
    except (OSError, ssl.SSLError) as exc:
        raise SendFailed(f"SMTP server {channel.host}:{channel.port} cannot be reached: {exc}") from None


def send(channel: Channel, rendered: Rendered, route: str, key: str, changes: list[dict], test: bool = False) -> None:
    """Send one message; raise SendFailed when the channel did not take it."""
    if channel.type == "slack":
        _post_json(channel, slack_payload(rendered), key)
    elif channel.type == "webhook":
        _post_json(channel, webhook_payload(rendered, route, key, changes, test), key)
    elif channel.type == "email":
        _send_email(channel, email_message(channel, rendered, key))
    else:  # pragma: no cover - the configuration admits no other type
        raise SendFailed(f"unknown channel type {channel.type}")
