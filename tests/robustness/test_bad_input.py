"""The bad-input catalogue: one case per kind of bad export, each uploaded to a real S3 endpoint
(moto_server over HTTP) and ingested into a real DuckDB file with `ingest_export`.

Each case states its expected outcome:

- LOADED: every row loads, no warning;
- LOADED_WITH_WARNING: every row loads, the file's record in `raw.ingested_files` carries a warning;
- ROWS_KEPT_ASIDE: the bad rows go to `raw.rejected_rows` (file, line, column), the others load;
- FILE_REJECTED: no row loads; one record in `raw.rejected_rows` names the file and the cause;
- KEY_IGNORED: the key is outside the layout (or under an unknown export): nothing is read, the key is reported.

In every case rows read = loaded + kept aside, and no row is lost.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import date

import duckdb
import pytest

from pipelines.defs.ingest.loader import ingest_export
from pipelines.lib.layout import EXPORTS
from pipelines.lib.warehouse import RAW_SCHEMA
from pipelines.resources import S3Exports, Warehouse
from tests.pii import personal_data_found
from tests.robustness.stats import record_case, record_fault

FIRST, LAST = date(2026, 3, 4), date(2026, 3, 5)
US = "ATVPDKIKX0DER"
LOADED, WARNED, KEPT_ASIDE, REJECTED, IGNORED = (
    "LOADED",
    "LOADED_WITH_WARNING",
    "ROWS_KEPT_ASIDE",
    "FILE_REJECTED",
    "KEY_IGNORED",
)

ORDER_COLUMNS = [
    "amazon-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "product-name",
]
HEADER = "\t".join(ORDER_COLUMNS)


def order(
    order_id: str = "111-1",
    *,
    status: str = "Shipped",
    updated: str = "2026-03-04T20:00:00Z",
    purchased: str = "2026-03-04T10:00:00-05:00",
    sku: str = "SKU-1",
    quantity: str = "1",
    name: str = "Mug",
) -> str:
    return "\t".join(
        [order_id, purchased, updated, status, "Merchant", "Amazon.com", sku, "B000000001", "Shipped", quantity, "USD"]
        + ["9.99", name]
    )


def tsv(header: str, *rows: str, end: str = "\n") -> bytes:
    return (end.join([header, *rows]) + end).encode()


def orders(*rows: str) -> bytes:
    return tsv(HEADER, *rows)


FEEDBACK_HEADER = "Date\tRating\tComments\tYour Response\tOrder ID\tRater Email"


def feedback(day: str, rating: str, order_id: str) -> str:
    return f"{day}\t{rating}\tCall me at 555-010-0100, Jane Roe\t\t{order_id}\tjane.roe@example.com"


CLAIMS_HEADER = "claim-id\tamazon-order-id\tfiled-at\tstatus\tamount\tcurrency\tlast-updated-at"


def claim(claim_id: str, status: str) -> str:
    return f"{claim_id}\t111-1\t2026-03-04T09:00:00Z\t{status}\t9.99\tUSD\t2026-03-04T10:00:00Z"


def health(**metric_overrides) -> bytes:
    metric = {
        "reportingDateRange": {"reportingDateFrom": "2026-02-01T00:00Z", "reportingDateTo": "2026-03-03T23:59Z"},
        "orderCount": 120,
        "lateShipmentCount": 2,
        "status": "GOOD",
        "rate": 0.0167,
        "targetValue": 0.04,
        "targetCondition": "LESS_THAN",
    }
    metric.update(metric_overrides)
    return json.dumps(
        {
            "accountStatuses": [{"marketplaceId": US, "status": "NORMAL"}],
            "performanceMetrics": [{"marketplaceId": US, "lateShipmentRate": metric}],
        }
    ).encode()


def key(export: str = "orders", dt: str = "2026-03-04", file: str = "part-0000.tsv", seller: str = "A2SELLER1X") -> str:
    return f"{export}/seller_id={seller}/marketplace_id={US}/dt={dt}/{file}"


@dataclass(frozen=True)
class File:
    export: str
    body: bytes
    file: str = "part-0000.tsv"
    dt: str = "2026-03-04"
    raw_key: str | None = None  # a key given as it is (outside the layout); else built with the seller

    def key(self, seller: str) -> str:
        return self.raw_key or key(self.export, self.dt, self.file, seller)


@dataclass(frozen=True)
class Case:
    name: str
    outcome: str
    loaded: int
    rejected: int
    files: tuple[File, ...]
    why: str  # the behaviour, as the README states it

    @property
    def export(self) -> str:
        return self.files[0].export


def _o(body: bytes, **kw) -> File:
    return File("orders", body, **kw)


LONG = "x" * (1024 * 1024)
REORDERED = list(reversed(ORDER_COLUMNS))


def _reorder(row: str) -> str:
    fields = dict(zip(ORDER_COLUMNS, row.split("\t"), strict=True))
    return "\t".join(fields[c] for c in REORDERED)


def _without(column: str, line: str) -> str:
    i = ORDER_COLUMNS.index(column)
    fields = line.split("\t")
    return "\t".join(fields[:i] + fields[i + 1 :])


CASES = [
    Case("empty file", REJECTED, 0, 0, (_o(b""),), "rejected: no header row"),
    Case("header only", LOADED, 0, 0, (_o(orders()),), "loads, zero rows"),
    Case(
        "required column missing",
        REJECTED,
        0,
        2,
        (_o(tsv(_without("sku", HEADER), _without("sku", order("1")), _without("sku", order("2")))),),
        "rejected, naming the column; its 2 rows count as rejected",
    ),
    Case(
        "columns reordered",
        LOADED,
        2,
        0,
        (_o(tsv("\t".join(REORDERED), _reorder(order("1")), _reorder(order("2")))),),
        "loads: columns are matched by name",
    ),
    Case(
        "extra columns",
        LOADED,
        1,
        0,
        (
            _o(
                tsv(
                    HEADER + "\tbuyer-email\tbuyer-phone-number\tnew-column",
                    order() + "\tjo@example.com\t555-010-0100\t?",
                )
            ),
        ),
        "loads; unknown columns (and buyer data) are dropped",
    ),
    Case(
        "header with trailing space and other case",
        LOADED,
        1,
        0,
        (_o(tsv(HEADER.replace("amazon-order-id", " Amazon-Order-ID ").replace("sku", "SKU "), order())),),
        "loads: header names are trimmed and compared ignoring case",
    ),
    Case(
        "truncated last line",
        KEPT_ASIDE,
        1,
        1,
        (_o((HEADER + "\n" + order("1") + "\n" + order("2")[:40]).encode()),),
        "the cut line is kept aside (field_count), the others load",
    ),
    Case(
        "row with too many fields",
        KEPT_ASIDE,
        1,
        1,
        (_o(orders(order("1"), order("2") + "\tsurplus")),),
        "kept aside (field_count)",
    ),
    Case(
        "row with too few fields",
        KEPT_ASIDE,
        1,
        1,
        (_o(orders(order("1"), order("2").rsplit("\t", 2)[0])),),
        "kept aside (field_count)",
    ),
    Case(
        "quotes inside fields",
        LOADED,
        2,
        0,
        (_o(orders(order("1", sku='SKU "big" 1'), order("2", name="\"Mug 12 oz, 'blue'\"", sku="S2"))),),
        "loads: quotes are ordinary characters, kept as they are",
    ),
    Case("a 1 MB field", LOADED, 1, 0, (_o(orders(order(name=LONG))),), "loads, the value whole"),
    Case(
        "Windows-1252 bytes",
        WARNED,
        1,
        0,
        (_o(orders(order(name="Caf\u00e9 \u20ac")).decode().encode("cp1252")),),
        "loads, decoded as Windows-1252, with a warning and encoding recorded",
    ),
    Case("UTF-8 BOM", LOADED, 1, 0, (_o(b"\xef\xbb\xbf" + orders(order())),), "loads, BOM stripped"),
    Case("CRLF line ends", LOADED, 2, 0, (_o(tsv(HEADER, order("1"), order("2"), end="\r\n")),), "loads"),
    Case("gzip", LOADED, 1, 0, (_o(gzip.compress(orders(order())), file="part-0000.tsv.gz"),), "loads"),
    Case(
        "corrupt gzip",
        REJECTED,
        0,
        0,
        (_o(gzip.compress(orders(order("1"), order("2")))[:30], file="part-0000.tsv.gz"),),
        "rejected: corrupt gzip (no row could be read)",
    ),
    Case(
        "not gzip but named .gz",
        WARNED,
        1,
        0,
        (_o(orders(order()), file="part-0000.tsv.gz"),),
        "loads as plain text, with a warning",
    ),
    Case(
        "invalid date 2026-02-30",
        KEPT_ASIDE,
        1,
        1,
        (_o(orders(order("1"), order("2", purchased="2026-02-30T10:00:00Z"))),),
        "the row is kept aside (parse_timestamp), column purchase-date",
    ),
    Case(
        "feedback date in another marketplace's format",
        KEPT_ASIDE,
        1,
        1,
        (File("feedback", tsv(FEEDBACK_HEADER, feedback("3/4/26", "5", "111-1"), feedback("25.03.26", "4", "111-2"))),),
        "a DE date in a US file is kept aside (parse_marketplace_date)",
    ),
    Case(
        "timestamp without offset",
        LOADED,
        1,
        0,
        (_o(orders(order(updated="2026-03-04T20:00:00"))),),
        "loads, read as UTC",
    ),
    Case(
        "rating of 0 or 6",
        KEPT_ASIDE,
        1,
        2,
        (
            File(
                "feedback",
                tsv(
                    FEEDBACK_HEADER,
                    feedback("3/4/26", "0", "111-1"),
                    feedback("3/4/26", "6", "111-2"),
                    feedback("3/4/26", "1", "111-3"),
                ),
            ),
        ),
        "kept aside (contract check 1..5), column Rating",
    ),
    Case(
        "negative quantity",
        KEPT_ASIDE,
        1,
        1,
        (_o(orders(order("1"), order("2", quantity="-1"))),),
        "kept aside (contract check >= 0), column quantity",
    ),
    Case(
        "unknown order-status",
        LOADED,
        1,
        0,
        (_o(orders(order(status="PendingAvailability"))),),
        "loads as it is: order-status is an open list",
    ),
    Case(
        "unknown claim status",
        KEPT_ASIDE,
        1,
        1,
        (File("claims", tsv(CLAIMS_HEADER, claim("C1", "OPEN"), claim("C2", "ESCALATED"))),),
        "kept aside: a closed list of the contract",
    ),
    Case(
        "duplicate rows in one file",
        LOADED,
        2,
        0,
        (_o(orders(order("1"), order("1"))),),
        "both load into raw (every version as delivered); staging keeps one",
    ),
    Case(
        "the same records in two files",
        LOADED,
        2,
        0,
        (_o(orders(order("1"))), _o(orders(order("1")), file="part-0001.tsv")),
        "both load into raw; staging keeps one (latest file key)",
    ),
    Case(
        "an order's versions out of order",
        LOADED,
        2,
        0,
        (
            _o(orders(order("1", status="Shipped", updated="2026-03-04T20:00:00Z"))),
            _o(orders(order("1", status="Pending", updated="2026-03-04T08:00:00Z")), dt="2026-03-05"),
        ),
        "both load; the greatest last-updated-date wins in staging, whatever the arrival order",
    ),
    Case(
        "key outside the layout",
        IGNORED,
        0,
        0,
        (_o(orders(order()), raw_key="orders/A2SELLER1X/2026-03-04/part-0000.tsv"),),
        "ignored and reported",
    ),
    Case(
        "key under an unknown export",
        IGNORED,
        0,
        0,
        (_o(orders(order()), raw_key=key("refunds")),),
        "ignored; the run notes the folder",
    ),
    Case(
        "'..' in seller_id",
        IGNORED,
        0,
        0,
        (_o(orders(order()), raw_key=key(seller="..")),),
        "ignored and reported",
    ),
    Case(
        "quote in seller_id",
        IGNORED,
        0,
        0,
        (_o(orders(order()), raw_key=key(seller="A2'X\"Y")),),
        "ignored and reported",
    ),
    Case(
        "SQL in seller_id",
        IGNORED,
        0,
        0,
        (_o(orders(order()), raw_key=key(seller="X'; DROP TABLE raw.orders; --")),),
        "ignored and reported; never reaches SQL text",
    ),
    Case(
        "lone carriage return inside a field",
        LOADED,
        3,
        0,
        (_o(orders(order("1"), order("2", name="Bottle\rInsulated"), order("3"))),),
        "loads byte for byte: rows end at LF (or CRLF) only, a lone CR is data",
    ),
    Case(
        "NUL byte inside a field",
        LOADED,
        2,
        0,
        (_o(orders(order("1", name="Mug\x00Blue"), order("2"))),),
        "loads byte for byte",
    ),
    Case(
        "tab inside a quoted field",
        KEPT_ASIDE,
        1,
        1,
        (_o(orders(order("1", name='"Mug\tBlue"'), order("2"))),),
        "that row kept aside (field_count): flat files are not quoted, a tab always separates fields",
    ),
    Case(
        "line feed inside a field",
        KEPT_ASIDE,
        1,
        2,
        (_o(orders(order("1", sku="SKU\n1"), order("2"))),),
        "the row splits in two lines, both kept aside (field_count) with their line numbers",
    ),
    Case(
        "line feed inside the last field",
        KEPT_ASIDE,
        2,
        1,
        (_o(orders(order("1", name="Mug\nBlue"), order("2"))),),
        "the line before the LF is a whole row and loads (its last value cut at the LF); the rest is kept aside",
    ),
    Case(
        "200 kB line",
        LOADED,
        2,
        0,
        (_o(orders(order("1", name="z" * 200_000), order("2"))),),
        "loads byte for byte",
    ),
    Case(
        "invalid UTF-8 sequence",
        WARNED,
        2,
        0,
        (_o(orders(order("1"), order("2")).replace(b"Mug", b"M\xc3\x28g", 1)),),
        "loads, decoded as Windows-1252, with a warning and the encoding recorded",
    ),
    Case(
        "unknown marketplace id",
        IGNORED,
        0,
        0,
        (
            _o(
                orders(order("1")),
                raw_key="orders/seller_id=A2SELLER1X/marketplace_id=A9NOTAMARKET1/dt=2026-03-04/a.tsv",
            ),
        ),
        "not read and reported, naming the key; the run exits 3 (the asset check every_key_read fails)",
    ),
    Case(
        "Amazon.in marketplace",
        LOADED,
        1,
        0,
        (
            _o(
                orders(order("1")),
                raw_key="orders/seller_id=A2SELLER1X/marketplace_id=A21TJRUUN4KGV/dt=2026-03-04/a.tsv",
            ),
        ),
        "loads: every marketplace of the Selling Partner API is known",
    ),
    Case(
        "account health with renamed keys",
        LOADED,
        3,
        0,
        (
            File(
                "account_health",
                json.dumps(
                    {
                        "accountStatuses": [{"marketplaceId": US, "status": "NORMAL"}],
                        "performanceMetrics": [
                            {
                                "marketplaceId": US,
                                "preFulfillmentCancellationRate": {"rate": 0.01, "ahrStatus": "GOOD"},
                                "accountHealthRating": {"accountHealthRatingStatus": "GREAT", "ahrScore": 980},
                                "lateShipmentRateList": [],
                            }
                        ],
                    }
                ).encode(),
                file="report.json",
            ),
        ),
        "loads: drifted names are read as their published ones",
    ),
    Case(
        "account health with missing keys",
        WARNED,
        2,
        0,
        (
            File(
                "account_health",
                json.dumps({"performanceMetrics": [{"lateShipmentRate": {"status": "GOOD"}, "odr": {}}]}).encode(),
                file="report.json",
            ),
        ),
        "loads, empty values for the missing keys, a warning for the missing marketplaceId",
    ),
    Case(
        "account health without performanceMetrics",
        REJECTED,
        0,
        0,
        (File("account_health", json.dumps({"metrics": []}).encode(), file="report.json"),),
        "rejected: no performanceMetrics list",
    ),
    Case(
        "account health that is not JSON",
        REJECTED,
        0,
        0,
        (File("account_health", health()[:-5], file="report.json"),),
        "rejected: not valid JSON, line and column named",
    ),
]


def query(path, sql, params=None):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def outcome_of(summary, unknown_exports: list[str]) -> str:
    if summary.files == 0:
        return IGNORED if summary.invalid_keys or unknown_exports else "NOTHING"
    if summary.files_rejected:
        return REJECTED
    if summary.rows_rejected:
        return KEPT_ASIDE
    return WARNED if summary.problems else LOADED


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_catalogue_case(case: Case, bucket, warehouse_path):
    keys = [bucket.put(f.key("A2SELLER1X"), f.body) for f in case.files]
    s3 = S3Exports()
    with Warehouse().connect() as con:
        summary = ingest_export(case.export, FIRST, LAST, s3, con)
    unknown = s3.unknown_exports()

    assert outcome_of(summary, unknown) == case.outcome, summary.problems
    assert (summary.rows_loaded, summary.rows_rejected) == (case.loaded, case.rejected)
    assert summary.rows_read == summary.rows_loaded + summary.rows_rejected
    assert query(warehouse_path, f"select count(*) from {RAW_SCHEMA}.{case.export}") == [(case.loaded,)]
    files = query(
        warehouse_path,
        "select source_key, status, rows_read, rows_loaded, rows_rejected, message, encoding from raw.ingested_files",
    )
    rejected = query(
        warehouse_path, "select source_key, line_number, column_name, check_name, message from raw.rejected_rows"
    )

    if case.outcome == IGNORED:
        assert files == [] and rejected == []
        reported = " ".join(summary.invalid_keys + unknown)
        if keys[0].startswith("refunds/"):
            assert unknown == ["refunds/"]
        elif "A9NOTAMARKET1" in keys[0]:
            assert "unknown marketplace" in reported and keys[0] in reported
        else:
            assert "outside the layout" in reported and keys[0].split("/")[1][:12] in reported.replace("\\", "")
    else:
        assert sorted(f[0] for f in files) == sorted(keys)
        assert all(read == loaded + rej for _, _, read, loaded, rej, _, _ in files)
    if case.outcome == WARNED:
        assert all(f[5] for f in files)  # the warning is recorded with the file
    if case.name == "Windows-1252 bytes":
        assert files[0][6] == "windows-1252"
        assert query(warehouse_path, "select product_name from raw.orders") == [("Caf\u00e9 \u20ac",)]
    if case.outcome == REJECTED:
        assert [f[1] for f in files] == ["REJECTED"]
        assert len(rejected) == 1 and rejected[0][0] == keys[0] and keys[0] in rejected[0][4]
    if case.outcome == KEPT_ASIDE:
        assert len(rejected) == case.rejected
        for source_key, line, column, check, message in rejected:
            assert source_key in keys and line and line > 1
            assert f"line {line}" in message and source_key in message
            if check != "field_count":  # a whole line has no single column
                assert column and f"column {column}" in message
    record_case(case.loaded + case.rejected, summary.rows_read, summary.rows_loaded, summary.rows_rejected)


def test_case_values_are_kept_as_data(bucket, warehouse_path):
    """Quotes, a 1 MB value and an offset-less timestamp arrive exactly as sent (checked value by value)."""
    bucket.put(key(), orders(order("1", sku='SKU "big" 1', name=LONG), order("2", updated="2026-03-04T20:00:00")))
    with Warehouse().connect() as con:
        ingest_export("orders", FIRST, LAST, S3Exports(), con)
    rows = query(warehouse_path, "select sku, length(product_name), last_updated_date from raw.orders order by 1")
    assert rows[0][:2] == ('SKU "big" 1', len(LONG))
    assert str(rows[1][2]) == "2026-03-04 20:00:00"


def test_sql_in_values_lands_as_data_and_every_table_survives(bucket, warehouse_path):
    hostile = "x'); drop table raw.orders; --"
    bucket.put(key(), orders(order("1", sku=hostile, name='"; drop schema raw cascade; --')))
    bucket.put(key("claims"), tsv(CLAIMS_HEADER, claim("C1'; delete from raw.claims; --", "ESCALATED'); --")))
    with Warehouse().connect() as con:
        for export in EXPORTS:
            ingest_export(export, FIRST, LAST, S3Exports(), con)
    assert query(warehouse_path, "select sku from raw.orders") == [(hostile,)]
    # The hostile claim status is kept aside, with its value stored as data.
    assert query(warehouse_path, "select failure_value from raw.rejected_rows where check_name like '%isin%'") == [
        ("ESCALATED'); --",)
    ]
    tables = {t for (t,) in query(warehouse_path, "select table_name from duckdb_tables() where schema_name = 'raw'")}
    assert tables >= {*EXPORTS, "ingested_files", "rejected_rows"}


def test_whole_catalogue_in_one_warehouse_has_no_buyer_data(bucket, warehouse_path):
    """Every case at once, each under its own seller: counts add up and no buyer e-mail, name or phone is stored."""
    for i, case in enumerate(CASES):
        for f in case.files:
            bucket.put(f.key(f"A2CASE{i}"), f.body)
    totals = {"loaded": 0, "rejected": 0, "read": 0}
    with Warehouse().connect() as con:
        for export in EXPORTS:
            summary = ingest_export(export, FIRST, LAST, S3Exports(), con)
            totals["loaded"] += summary.rows_loaded
            totals["rejected"] += summary.rows_rejected
            totals["read"] += summary.rows_read
    assert totals["loaded"] == sum(c.loaded for c in CASES)
    assert totals["rejected"] == sum(c.rejected for c in CASES)
    assert totals["read"] == totals["loaded"] + totals["rejected"]
    assert personal_data_found(warehouse_path) == []
    names = query(warehouse_path, "select count(*) from raw.rejected_rows where failure_value ilike '%jane%'")
    assert names == [(0,)]


@pytest.mark.parametrize("stage", ["read_file", "check_files"])
def test_an_unforeseen_failure_inside_one_file_rejects_that_file_only(stage, bucket, warehouse_path, monkeypatch):
    """Any exception while reading or checking one file (a bug no rule foresaw) is that file's rejection."""
    import pipelines.defs.ingest.loader as loader

    good = [bucket.put(key(file=f"part-000{i}.tsv"), orders(order(f"{i}-1"), order(f"{i}-2"))) for i in range(3)]
    bad = bucket.put(key(file="part-0009.tsv"), orders(order("9-1", name="POISON"), order("9-2"), order("9-3")))
    real = getattr(loader, stage)

    def poisoned(*args):
        bodies = [args[1]] if stage == "read_file" else [f.text.write_csv() for f in args[1]]
        if any(b"POISON" in b if isinstance(b, bytes) else "POISON" in b for b in bodies):
            raise IndexError("index 225 is out of bounds for axis 0 with size 225")
        return real(*args)

    monkeypatch.setattr(loader, stage, poisoned)
    with Warehouse().connect() as con:
        summary = ingest_export("orders", FIRST, LAST, S3Exports(), con)
    assert (summary.files, summary.files_rejected, summary.rows_loaded) == (4, 1, 6)
    # Read, the file's 3 rows count as read and rejected; unread (decoding failed), none could be counted.
    assert summary.rows_rejected == (3 if stage == "check_files" else 0)
    assert summary.reconciles
    files = dict(query(warehouse_path, "select source_key, status from raw.ingested_files"))
    assert files == {**{k: "LOADED" for k in good}, bad: "REJECTED"}
    ((message,),) = query(warehouse_path, "select message from raw.rejected_rows")
    assert bad in message and "IndexError: index 225" in message
    assert any(bad in p and "IndexError" in p for p in summary.problems)
    record_fault()
