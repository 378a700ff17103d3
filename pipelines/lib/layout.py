"""The S3 key layout of the exports (shared/spec/exports.md): building and parsing keys.

{prefix}{export}/seller_id={seller_id}/marketplace_id={marketplace_id}/dt={YYYY-MM-DD}/{file}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

EXPORTS: tuple[str, ...] = (
    "orders",
    "feedback",
    "account_health",
    "mfn_shipments",
    "cancellations",
    "claims",
    "chargebacks",
    "return_requests",
    "buyer_messages",
    "cs_surveys",
)


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    code: str
    feedback_date_format: str
    utc_offset_hours: int  # a typical local offset, used by the generator for realistic timestamps
    currency: str


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "US", "%m/%d/%y", -5, "USD"),
        Marketplace("A2EUQ1WTGCTBG2", "CA", "%d/%m/%y", -5, "CAD"),
        Marketplace("A1AM78C64UM0Y8", "MX", "%d/%m/%y", -6, "MXN"),
        Marketplace("A1F83G8C2ARO7P", "UK", "%d/%m/%y", 0, "GBP"),
        Marketplace("A1PA6795UKMFR9", "DE", "%d.%m.%y", 1, "EUR"),
        Marketplace("A13V1IB3VIYZZH", "FR", "%d/%m/%y", 1, "EUR"),
        Marketplace("APJ6JRA9NG5V4", "IT", "%d/%m/%y", 1, "EUR"),
        Marketplace("A1RKKUPIHCS9HS", "ES", "%d/%m/%y", 1, "EUR"),
        Marketplace("A1VC38T7YXB528", "JP", "%y/%m/%d", 9, "JPY"),
    )
}

# seller_id is a merchant token: upper-case letters and digits. Anything else in a key (quotes, `..`,
# SQL) makes the key invalid rather than reaching a table or a query.
_SELLER_ID = r"[A-Z0-9]{1,32}"
_KEY_RE = re.compile(
    r"^(?P<export>[a-z_]+)/seller_id=(?P<seller_id>" + _SELLER_ID + r")"
    r"/marketplace_id=(?P<marketplace_id>[A-Z0-9]{1,32})"
    r"/dt=(?P<dt>\d{4}-\d{2}-\d{2})/(?P<file>[A-Za-z0-9._-]+)$"
)


class InvalidKey(ValueError):
    """A key that does not follow the layout."""


@dataclass(frozen=True)
class ExportKey:
    key: str
    export: str
    seller_id: str
    marketplace_id: str
    dt: date
    file: str

    @property
    def is_gzip(self) -> bool:
        return self.file.endswith(".gz")


def build_key(prefix: str, export: str, seller_id: str, marketplace_id: str, dt: date, file: str) -> str:
    return f"{prefix}{export}/seller_id={seller_id}/marketplace_id={marketplace_id}/dt={dt.isoformat()}/{file}"


def day_prefix(prefix: str, export: str, seller_id: str, marketplace_id: str) -> str:
    """The common prefix of every `dt=` folder of one export, seller and marketplace."""
    return f"{prefix}{export}/seller_id={seller_id}/marketplace_id={marketplace_id}/dt="


def parse_key(key: str, prefix: str = "") -> ExportKey:
    """Parse a full S3 key; raise `InvalidKey` with the reason when it is outside the layout."""
    if not key.startswith(prefix):
        raise InvalidKey(f"{key!r} does not start with the prefix {prefix!r}")
    rest = key[len(prefix) :]
    match = _KEY_RE.match(rest)
    if match is None or ".." in rest:
        raise InvalidKey(
            f"{key!r} is outside the layout "
            "{export}/seller_id={seller_id}/marketplace_id={marketplace_id}/dt={YYYY-MM-DD}/{file}"
        )
    export = match["export"]
    if export not in EXPORTS:
        raise InvalidKey(f"{key!r} is under the unknown export {export!r}")
    if match["marketplace_id"] not in MARKETPLACES:
        raise InvalidKey(f"{key!r} names the unknown marketplace {match['marketplace_id']!r}")
    try:
        dt = date.fromisoformat(match["dt"])
    except ValueError as exc:
        raise InvalidKey(f"{key!r} has an invalid dt {match['dt']!r}") from exc
    return ExportKey(key, export, match["seller_id"], match["marketplace_id"], dt, match["file"])
