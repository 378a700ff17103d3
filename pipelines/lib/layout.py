"""The S3 key layout of the exports (docs/marketplaces.md, README "Running it on your bucket"): keys and marketplaces.

{prefix}{export}/seller_id={seller_id}/marketplace_id={marketplace_id}/dt={YYYY-MM-DD}/{file}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from data_contracts import CONTRACTS

# The exports, in the order of the contracts' registry (data_contracts.CONTRACTS): the one list of
# them. The dbt project's copies (staging/_sources.yml, stg_exports__loaded_days.sql,
# int_order_events.sql) are checked against it by tests/unit/test_export_list.py.
EXPORTS: tuple[str, ...] = tuple(CONTRACTS)


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    code: str  # the country code Amazon uses for the marketplace (UK, not GB)
    country: str
    region: str  # the Selling Partner API endpoint region: NA, EU or FE
    currency: str  # ISO 4217
    feedback_date_format: str  # strptime format of the feedback report's `Date`
    utc_offset_minutes: int  # a typical local offset (standard time), for the generator's timestamps

    @property
    def utc_offset_hours(self) -> int:
        """The typical offset in whole hours (India's +5:30 gives 5), for hour-of-day arithmetic."""
        return self.utc_offset_minutes // 60


# Every marketplace of Amazon's Selling Partner API, with the ids of its "Marketplace IDs" table
# (https://developer-docs.amazon.com/sp-api/docs/marketplace-ids, as of 2024-2025: North America,
# Europe with the Middle East, India and Africa, Far East). Currencies: ISO 4217, the currency each
# marketplace sells in. Feedback dates (docs/marketplaces.md): the formats of the known reports (US, CA, MX, UK, DE, FR,
# IT, ES, JP, as the feedback reports of those marketplaces write them); for the others, the short
# date of the marketplace's main locale in the Unicode CLDR (https://cldr.unicode.org, "short" date
# pattern), with a two-digit year like every known one. Offsets: the standard time of the
# marketplace's capital or main time zone (IANA tz database), used only to make generated
# timestamps look local.
MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        # North America (and Brazil, served by the NA endpoint)
        Marketplace("ATVPDKIKX0DER", "US", "United States", "NA", "USD", "%m/%d/%y", -5 * 60),
        Marketplace("A2EUQ1WTGCTBG2", "CA", "Canada", "NA", "CAD", "%d/%m/%y", -5 * 60),
        Marketplace("A1AM78C64UM0Y8", "MX", "Mexico", "NA", "MXN", "%d/%m/%y", -6 * 60),
        Marketplace("A2Q3Y263D00KWC", "BR", "Brazil", "NA", "BRL", "%d/%m/%y", -3 * 60),
        # Europe, Middle East, India, Africa (EU endpoint)
        Marketplace("A1F83G8C2ARO7P", "UK", "United Kingdom", "EU", "GBP", "%d/%m/%y", 0),
        Marketplace("A28R8C7NBKEWEA", "IE", "Ireland", "EU", "EUR", "%d/%m/%y", 0),
        Marketplace("A1PA6795UKMFR9", "DE", "Germany", "EU", "EUR", "%d.%m.%y", 60),
        Marketplace("A13V1IB3VIYZZH", "FR", "France", "EU", "EUR", "%d/%m/%y", 60),
        Marketplace("APJ6JRA9NG5V4", "IT", "Italy", "EU", "EUR", "%d/%m/%y", 60),
        Marketplace("A1RKKUPIHCS9HS", "ES", "Spain", "EU", "EUR", "%d/%m/%y", 60),
        Marketplace("A1805IZSGTT6HS", "NL", "Netherlands", "EU", "EUR", "%d-%m-%y", 60),
        Marketplace("AMEN7PMS3EDWL", "BE", "Belgium", "EU", "EUR", "%d/%m/%y", 60),
        Marketplace("A2NODRKZP88ZB9", "SE", "Sweden", "EU", "SEK", "%y-%m-%d", 60),
        Marketplace("A1C3SOZRARQ6R3", "PL", "Poland", "EU", "PLN", "%d.%m.%y", 60),
        Marketplace("A33AVAJ2PDY3EV", "TR", "Turkey", "EU", "TRY", "%d.%m.%y", 3 * 60),
        Marketplace("ARBP9OOSHTCHU", "EG", "Egypt", "EU", "EGP", "%d/%m/%y", 2 * 60),
        Marketplace("A17E79C6D8DWNP", "SA", "Saudi Arabia", "EU", "SAR", "%d/%m/%y", 3 * 60),
        Marketplace("A2VIGQ35RCS4UG", "AE", "United Arab Emirates", "EU", "AED", "%d/%m/%y", 4 * 60),
        Marketplace("A21TJRUUN4KGV", "IN", "India", "EU", "INR", "%d/%m/%y", 5 * 60 + 30),
        Marketplace("AE08WJ6YKNBMC", "ZA", "South Africa", "EU", "ZAR", "%y/%m/%d", 2 * 60),
        # Far East (FE endpoint)
        Marketplace("A1VC38T7YXB528", "JP", "Japan", "FE", "JPY", "%y/%m/%d", 9 * 60),
        Marketplace("A19VAU5U5O7RUS", "SG", "Singapore", "FE", "SGD", "%d/%m/%y", 8 * 60),
        Marketplace("A39IBJ37TRP1C6", "AU", "Australia", "FE", "AUD", "%d/%m/%y", 10 * 60),
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
