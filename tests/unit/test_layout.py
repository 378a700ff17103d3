"""The S3 key layout of exports.md: what parses, and what is refused with a reason."""

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
