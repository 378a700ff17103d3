"""The S3 key layout of docs/exports.md: what parses, and what is refused with a reason."""

from datetime import date

import pytest

from pipelines.lib.layout import InvalidKey, build_key, parse_key


def test_key_round_trip_with_prefix():
    key = build_key("exports/v1/", "orders", "A2SELLER1X", "ATVPDKIKX0DER", date(2026, 3, 4), "part-0001.tsv.gz")
    assert key == "exports/v1/orders/seller_id=A2SELLER1X/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/part-0001.tsv.gz"
    parsed = parse_key(key, "exports/v1/")
    assert (parsed.export, parsed.seller_id, parsed.marketplace_id, parsed.dt, parsed.file) == (
        "orders",
        "A2SELLER1X",
        "ATVPDKIKX0DER",
        date(2026, 3, 4),
        "part-0001.tsv.gz",
    )
    assert parsed.is_gzip


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("returns/seller_id=A1/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/a.tsv", "unknown export"),
        ("orders/seller_id=A1/marketplace_id=ATVPDKIKX0DER/dt=2026-02-30/a.tsv", "invalid dt"),
        ("orders/seller_id=A1/marketplace_id=XX/dt=2026-03-04/a.tsv", "unknown marketplace"),
        (
            "orders/seller_id=A1'; drop table raw.orders; --/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/a.tsv",
            "outside the layout",
        ),
        ("orders/seller_id=../marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/a.tsv", "outside the layout"),
        ("orders/seller_id=A1/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/../a.tsv", "outside the layout"),
        ("orders/seller_id=A1/marketplace_id=ATVPDKIKX0DER/a.tsv", "outside the layout"),
        ("orders/seller_id=A1/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/sub/a.tsv", "outside the layout"),
    ],
)
def test_keys_outside_the_layout_are_refused_with_the_reason(key, reason):
    with pytest.raises(InvalidKey, match=reason):
        parse_key(key)


def test_prefix_must_match():
    with pytest.raises(InvalidKey, match="prefix"):
        parse_key("orders/seller_id=A1/marketplace_id=ATVPDKIKX0DER/dt=2026-03-04/a.tsv", "exports/")


# Amazon's Selling Partner API "Marketplace IDs" table (developer-docs.amazon.com/sp-api/docs/marketplace-ids).
SP_API_MARKETPLACES = {
    "A2EUQ1WTGCTBG2": "CA",
    "ATVPDKIKX0DER": "US",
    "A1AM78C64UM0Y8": "MX",
    "A2Q3Y263D00KWC": "BR",
    "A28R8C7NBKEWEA": "IE",
    "A1RKKUPIHCS9HS": "ES",
    "A1F83G8C2ARO7P": "UK",
    "A13V1IB3VIYZZH": "FR",
    "AMEN7PMS3EDWL": "BE",
    "A1805IZSGTT6HS": "NL",
    "A1PA6795UKMFR9": "DE",
    "APJ6JRA9NG5V4": "IT",
    "A2NODRKZP88ZB9": "SE",
    "AE08WJ6YKNBMC": "ZA",
    "A1C3SOZRARQ6R3": "PL",
    "ARBP9OOSHTCHU": "EG",
    "A33AVAJ2PDY3EV": "TR",
    "A17E79C6D8DWNP": "SA",
    "A2VIGQ35RCS4UG": "AE",
    "A21TJRUUN4KGV": "IN",
    "A19VAU5U5O7RUS": "SG",
    "A39IBJ37TRP1C6": "AU",
    "A1VC38T7YXB528": "JP",
}


def test_every_sp_api_marketplace_is_known():
    from pipelines.lib.layout import MARKETPLACES

    assert {m: MARKETPLACES[m].code for m in MARKETPLACES} == SP_API_MARKETPLACES
    india = MARKETPLACES["A21TJRUUN4KGV"]
    assert (india.currency, india.utc_offset_minutes, india.utc_offset_hours) == ("INR", 330, 5)
    assert parse_key("orders/seller_id=A3IN/marketplace_id=A21TJRUUN4KGV/dt=2024-11-04/a.tsv").marketplace_id == (
        "A21TJRUUN4KGV"
    )
    assert all(len(m.currency) == 3 and m.region in ("NA", "EU", "FE") for m in MARKETPLACES.values())


def test_feedback_dates_of_new_marketplaces_parse_in_their_own_format():
    from datetime import datetime

    from pipelines.lib.layout import MARKETPLACES

    written = {"IN": "4/11/24", "NL": "04-11-24", "SE": "24-11-04", "PL": "4.11.24", "AU": "4/11/24", "ZA": "24/11/04"}
    by_code = {m.code: m for m in MARKETPLACES.values()}
    for code, text in written.items():
        assert datetime.strptime(text, by_code[code].feedback_date_format).date().isoformat() == "2024-11-04", code
