"""Issue 17 end to end: `sellerhealth run` as cron runs it, through the real S3 endpoint (moto_server).

One bucket holds five generated days of a US seller plus three things that used to break a night:

- an orders file whose `product-name` holds a lone carriage return, beside the good files;
- an All Orders report of an Amazon.in seller under its real marketplace id `A21TJRUUN4KGV`, in the
  SP-API layout of GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL (built here: INR prices,
  `Amazon.in`, compound statuses such as `Shipped - Picked Up`);
- a symbolic link planted at PUBLISHED_WAREHOUSE_PATH, pointing at a file of the operator's.

Then a key under a marketplace id nobody knows: the run exits 3 and names it.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from pipelines.synthetic import generate_exports, upload
from tests.conftest import REPO

START, END = date(2026, 1, 1), date(2026, 1, 5)
US, IN = "ATVPDKIKX0DER", "A21TJRUUN4KGV"
SELLER, IN_SELLER = "A2SELLER1X", "A3INSELLER9"
SELLERHEALTH = str(Path(sys.executable).parent / "sellerhealth")
CR_TITLE = "Steel Water Bottle 1L\rInsulated"  # a lone CR, as titles pasted from other tools carry

SP_API_ORDER_COLUMNS = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "signature-confirmation-recommended",
]
IN_STATUSES = [
    ("Shipped - Picked Up", "Shipped"),
    ("Shipped - Delivered to Buyer", "Shipped"),
    ("Shipped", "Shipped"),
    ("Pending", "Unshipped"),
    ("Cancelled", "Cancelled"),
    ("Shipped - Out for Delivery", "Shipped"),
]


def india_orders(day: date, n: int = 36) -> tuple[bytes, list[dict[str, str]]]:
    """An Amazon.in All Orders report for `day`: n item rows, the MFN ones purchased on `day`."""
    rows = []
    for i in range(n):
        order_status, item_status = IN_STATUSES[i % len(IN_STATUSES)]
        channel = "Merchant" if i % 3 else "Amazon"
        purchased = datetime.combine(day, datetime.min.time()) + timedelta(minutes=37 * i + 5)
        priced = order_status not in ("Pending", "Cancelled")
        rows.append(
            {
                "amazon-order-id": f"40{i % 7}-{4000000 + i:07d}-{7100000 + 13 * i:07d}",
                "merchant-order-id": "",
                "purchase-date": purchased.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "last-updated-date": (purchased + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "order-status": order_status,
                "fulfillment-channel": channel,
                "sales-channel": "Amazon.in",
                "order-channel": "",
                "ship-service-level": "Standard",
                "product-name": f"Cotton Kurta for Men, Size {38 + i % 6} (कुर्ता)",
                "sku": f"KURTA-{i % 9:02d}",
                "asin": f"B0C{i:07d}",
                "item-status": item_status,
                "quantity": str(1 + i % 2),
                "currency": "INR" if priced else "",
                "item-price": f"{499 + 100 * (i % 5)}.00" if priced else "",
                "item-tax": "" if not priced else "53.46",
                "shipping-price": "" if not priced else "40.00",
                "shipping-tax": "",
                "gift-wrap-price": "",
                "gift-wrap-tax": "",
                "item-promotion-discount": "",
                "ship-promotion-discount": "",
                "ship-city": "BENGALURU",
                "ship-state": "KARNATAKA",
                "ship-postal-code": "560001",
                "ship-country": "IN",
                "promotion-ids": "",
                "is-business-order": "false",
                "purchase-order-number": "",
                "price-designation": "",
                "signature-confirmation-recommended": "false",
            }
        )
    lines = ["\t".join(SP_API_ORDER_COLUMNS)] + ["\t".join(r[c] for c in SP_API_ORDER_COLUMNS) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), rows


def cr_orders_file(day: date) -> bytes:
    header = "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel"
    header += "\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\tproduct-name"
    stamp = f"{day.isoformat()}T12:00:00+00:00"
    rows = [
        f"111-900000{i}-000000{i}\t{stamp}\t{stamp}\tShipped\tMerchant\tAmazon.com\tCR-SKU\tB0CR00000{i}\tShipped"
        f"\t1\tUSD\t19.99\t{CR_TITLE if i == 1 else 'Plain title'}"
        for i in range(3)
    ]
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def run(warehouse: Path, bucket: str, published: Path, start: date = START, end: date = END):
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "SELLER_EXPORTS_PREFIX")}
    env.update(
        WAREHOUSE_PATH=str(warehouse),
        PUBLISHED_WAREHOUSE_PATH=str(published),
        SELLER_EXPORTS_BUCKET=bucket,
        NO_COLOR="1",
    )
    return subprocess.run(
        [SELLERHEALTH, "run", "--start", start.isoformat(), "--end", end.isoformat()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="module")
def night(s3_endpoint, tmp_path_factory):
    bucket = f"sellerhealth-every-byte-{os.getpid()}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    upload(
        generate_exports(START, END, sellers=1, orders_per_day=15, marketplaces=(US,), prefix="", seed=3),
        client,
        bucket,
    )
    cr_key = f"orders/seller_id={SELLER}/marketplace_id={US}/dt=2026-01-03/part-0099.tsv"
    client.put_object(Bucket=bucket, Key=cr_key, Body=cr_orders_file(date(2026, 1, 3)))
    india_body, india_rows = india_orders(date(2026, 1, 4))
    india_key = f"orders/seller_id={IN_SELLER}/marketplace_id={IN}/dt=2026-01-04/part-0000.tsv"
    client.put_object(Bucket=bucket, Key=india_key, Body=india_body)

    folder = tmp_path_factory.mktemp("every_byte")
    decoy = folder / "operator_notes.txt"
    decoy.write_text("the operator's own file: must survive the run\n")
    published = folder / "bi" / "health.duckdb"
    published.parent.mkdir()
    published.symlink_to(decoy)
    warehouse = folder / "seller_health.duckdb"
    done = run(warehouse, bucket, published)
    return {
        "done": done,
        "bucket": bucket,
        "client": client,
        "warehouse": warehouse,
        "published": published,
        "decoy": decoy,
        "cr_key": cr_key,
        "india_key": india_key,
        "india_rows": india_rows,
    }


def test_the_night_succeeds(night):
    done = night["done"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_a_lone_carriage_return_loads_byte_for_byte_beside_the_good_files(night):
    with duckdb.connect(str(night["warehouse"]), read_only=True) as con:
        status, read, loaded = con.execute(
            "select status, rows_read, rows_loaded from raw.ingested_files where source_key = ?", [night["cr_key"]]
        ).fetchone()
        (title,) = con.execute(
            "select product_name from raw.orders where _source_key = ? and _line_number = 3", [night["cr_key"]]
        ).fetchone()
        (other_files,) = con.execute(
            "select count(*) from raw.ingested_files where export = 'orders' and source_key <> ? "
            "and status = 'LOADED' and seller_id = ?",
            [night["cr_key"], SELLER],
        ).fetchone()
    assert (status, read, loaded) == ("LOADED", 3, 3)
    assert title == CR_TITLE
    assert other_files == 5  # one generated orders file a day, every one loaded


def test_an_amazon_in_report_loads_every_row_and_gets_metrics(night):
    rows = night["india_rows"]
    with duckdb.connect(str(night["warehouse"]), read_only=True) as con:
        status, read, loaded = con.execute(
            "select status, rows_read, rows_loaded from raw.ingested_files where source_key = ?",
            [night["india_key"]],
        ).fetchone()
        statuses = dict(
            con.execute(
                "select order_status, count(*) from raw.orders where marketplace_id = ? group by 1", [IN]
            ).fetchall()
        )
        (currency,) = con.execute(
            "select string_agg(distinct currency) from raw.orders where marketplace_id = ?", [IN]
        ).fetchone()
        cancel = con.execute(
            "select denominator from marts.seller_metrics_daily where marketplace_id = ? and seller_id = ? "
            "and metric = 'cancel_rate' and fulfillment_channel = 'MFN' and as_of_date = ?",
            [IN, IN_SELLER, date(2026, 1, 4)],
        ).fetchall()
    assert (status, read, loaded) == ("LOADED", 36, 36)
    # Six statuses in turn over 36 rows: six rows each, compound ones as they are.
    assert statuses == {s: 6 for s, _ in IN_STATUSES}
    assert currency == "INR"
    # cancel_rate's orders: MFN orders purchased in the 7 days to 2026-01-04 (rows with i % 3 != 0:
    # 24 of 36, each its own order id), so every MFN row counted.
    mfn_orders = {r["amazon-order-id"] for r in rows if r["fulfillment-channel"] == "Merchant"}
    assert len(mfn_orders) == 24
    assert cancel and {d for (d,) in cancel} == {24}


def test_a_planted_symlink_is_replaced_never_written_through(night):
    published, decoy = night["published"], night["decoy"]
    assert decoy.read_text() == "the operator's own file: must survive the run\n"
    assert not published.is_symlink() and published.is_file()
    assert not stat.S_IMODE(published.stat().st_mode) & 0o222
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from raw.orders where marketplace_id = ?", [IN]).fetchone() == (36,)
    leftovers = [p.name for p in published.parent.iterdir() if p.name != published.name]
    assert leftovers == []


def test_a_key_under_an_unknown_marketplace_fails_the_run_naming_it(night):
    unknown = f"orders/seller_id={SELLER}/marketplace_id=A9UNKNOWNMKT1/dt=2026-01-05/part-0000.tsv"
    night["client"].put_object(Bucket=night["bucket"], Key=unknown, Body=cr_orders_file(date(2026, 1, 5)))
    try:
        done = run(night["warehouse"], night["bucket"], night["published"], date(2026, 1, 5), date(2026, 1, 5))
    finally:
        night["client"].delete_object(Bucket=night["bucket"], Key=unknown)
    assert done.returncode == 3, done.stdout[-3000:] + done.stderr[-3000:]
    assert "A9UNKNOWNMKT1" in done.stderr and "not read" in done.stderr
    # The known keys of the day still loaded and were published.
    with duckdb.connect(str(night["published"]), read_only=True) as con:
        (files,) = con.execute(
            "select count(*) from raw.ingested_files where export = 'orders' and dt = '2026-01-05'"
        ).fetchone()
    assert files == 1
