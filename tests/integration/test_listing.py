"""A night's listing for many seller-marketplaces: few LIST requests, and exactly the night's files.

On S3, a LIST request costs the same whether it returns one key or a thousand: a night for a
hundred small seller-marketplaces must not send one request per export and folder. Against a real
moto_server over HTTP, counting the ListObjectsV2 requests boto3 sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import duckdb

from pipelines.defs.ingest.loader import ingest_export
from pipelines.resources import S3Exports, Warehouse

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"
SELLERS = [f"A{n}SELLER" for n in range(1, 7)]  # 6 sellers x 2 marketplaces = 12 folders
FIRST = date(2026, 3, 1)
NIGHT = date(2026, 3, 20)  # the 20th day
HEADER = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\t"
    "sku\tasin\titem-status\tquantity\tcurrency\titem-price"
)


def key(seller: str, marketplace: str, dt: date, file: str = "part-0000.tsv") -> str:
    return f"orders/seller_id={seller}/marketplace_id={marketplace}/dt={dt.isoformat()}/{file}"


def orders_file(order_id: str) -> bytes:
    row = "\t".join(
        [order_id, "2026-03-04T10:00:00Z", "2026-03-04T20:00:00Z", "Shipped", "Merchant", "Amazon.com"]
        + ["S", "B1", "Shipped", "1", "USD", "9.99"]
    )
    return f"{HEADER}\n{row}\n".encode()


@contextmanager
def list_requests() -> Iterator[list[dict]]:
    """The ListObjectsV2 requests the exports' boto3 client sends meanwhile (their parameters)."""
    sent: list[dict] = []
    events = S3Exports().client().meta.events

    def record(params, **_):
        sent.append(dict(params))

    events.register("provide-client-params.s3.ListObjectsV2", record, unique_id="test-listing")
    try:
        yield sent
    finally:
        events.unregister("provide-client-params.s3.ListObjectsV2", unique_id="test-listing")


def ingest(path, first: date, last: date):
    with Warehouse(path=str(path)).connect() as con:
        return ingest_export("orders", first, last, S3Exports(), con)


def put_history(bucket, sellers, days: int) -> None:
    for seller in sellers:
        for marketplace in (US, DE):
            for i in range(days):
                dt = FIRST + timedelta(days=i)
                bucket.put(key(seller, marketplace, dt), orders_file(f"{seller[:2]}-{marketplace[:2]}-{i}"))


def test_a_night_for_many_folders_lists_them_in_a_few_requests(bucket, warehouse_path):
    # 19 days of history in 12 folders, loaded before: the ledger knows 19 files in each.
    put_history(bucket, SELLERS, days=19)
    assert ingest(warehouse_path, FIRST, NIGHT - timedelta(days=1)).files == 12 * 19
    # The night: each folder's file of the 20th, a file of the 21st that the night must not load, a
    # key of the night outside the layout (a sub-folder), a seller the ledger has never seen (with
    # its own history), and a folder under a marketplace id that does not exist.
    for seller in SELLERS:
        for marketplace in (US, DE):
            bucket.put(key(seller, marketplace, NIGHT), orders_file(f"{seller}-{marketplace}-night"))
    bucket.put(key(SELLERS[0], US, NIGHT + timedelta(days=1)), orders_file("tomorrow"))
    bucket.put(key(SELLERS[2], DE, NIGHT, "sub/part-0001.tsv"), orders_file("in a sub-folder"))
    for i in range(20):
        bucket.put(key("B9NEWSELLER", US, FIRST + timedelta(days=i)), orders_file(f"new-{i}"))
    bucket.put(key(SELLERS[1], "NOTAMARKET", NIGHT), orders_file("unknown marketplace"))

    with list_requests() as sent:
        summary = ingest(warehouse_path, NIGHT, NIGHT)

    # By hand: one request finds the 14 folders (delimiter "/dt="); the 12 known folders hold
    # 12 x 19 = 228 keys, plus about one new key each: 240 keys, one page, one request from the
    # first folder's night on; the new seller alone, one request from the night on; the unknown
    # marketplace's folder, one request. Four requests; a request per folder would be 1 + 13 + 1.
    assert len(sent) == 4, sent
    assert [p.get("Delimiter") for p in sent].count("/dt=") == 1
    # Exactly the night's 13 files (12 known folders and the new seller), no other day's.
    assert summary.files == 13
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert con.execute(
            "select count(*), count(distinct seller_id || marketplace_id), min(dt), max(dt) "
            "from raw.ingested_files where dt = ?",
            [NIGHT],
        ).fetchone() == (13, 13, NIGHT, NIGHT)
        assert con.execute("select count(*) from raw.ingested_files").fetchone() == (12 * 19 + 13,)
    # The two keys of the night that cannot be read are named, each once, with the reason.
    assert len(summary.invalid_keys) == 2
    assert any("sub/part-0001.tsv" in m and "outside the layout" in m for m in summary.invalid_keys)
    assert any("unknown marketplace 'NOTAMARKET'" in m for m in summary.invalid_keys)


def test_grouped_listing_returns_what_folder_by_folder_listing_returns(bucket, warehouse_path):
    """The ledger changes the number of requests, never the files a range lists."""
    put_history(bucket, SELLERS[:4], days=12)
    ingest(warehouse_path, FIRST, FIRST + timedelta(days=11))
    first, last = FIRST + timedelta(days=4), FIRST + timedelta(days=7)
    s3 = S3Exports()
    with Warehouse(path=str(warehouse_path)).connect() as con:
        from pipelines.defs.ingest.loader import _known_folders

        known = _known_folders(con, "orders", first)
    assert len(known) == 8
    with list_requests() as grouped_requests:
        grouped = s3.list_export("orders", first, last, known)
    with list_requests() as alone_requests:
        alone = s3.list_export("orders", first, last)
    assert [o.key.key for o in grouped.objects] == [o.key.key for o in alone.objects]
    assert len(grouped.objects) == 8 * 4  # 8 folders, days 5 to 8
    assert {o.key.dt for o in grouped.objects} == {first + timedelta(days=i) for i in range(4)}
    # 1 to find the folders, then 1 for all 8 (96 keys) against 1 per folder
    assert (len(grouped_requests), len(alone_requests)) == (2, 9)
