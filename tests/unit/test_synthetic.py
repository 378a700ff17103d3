"""Tests of the synthetic export generator against docs/exports.md and docs/metrics.md.

Expected headers, date formats and rules are written out from the spec here, not read from the
generator, so a drift in either shows up as a failure.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from pipelines.lib.layout import EXPORTS, MARKETPLACES, parse_key
from pipelines.synthetic import SCHEDULED_REPORTS, GeneratedFile, generate_exports, seller_ids, upload

US, DE = "ATVPDKIKX0DER", "A1PA6795UKMFR9"

# docs/exports.md: the required columns of the All Orders report, and the common ones the generator writes.
ORDERS_REQUIRED = [
    "amazon-order-id", "purchase-date", "last-updated-date", "order-status", "fulfillment-channel",
    "sales-channel", "sku", "asin", "item-status", "quantity", "currency", "item-price",
]  # fmt: skip
ORDERS_COMMON = [
    "merchant-order-id", "ship-service-level", "product-name", "item-tax", "shipping-price", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "buyer-email",
]  # fmt: skip
# docs/exports.md: exact columns, in order, of the other flat files.
HEADERS = {
    "feedback": ["Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email"],
    "mfn_shipments": [
        "amazon-order-id", "latest-ship-date", "latest-delivery-date", "shipped-at", "carrier",
        "tracking-number", "first-scan-at", "delivered-at", "last-updated-at",
    ],
    "cancellations": ["amazon-order-id", "cancelled-at", "cancelled-by", "reason", "last-updated-at"],
    "claims": ["claim-id", "amazon-order-id", "filed-at", "status", "amount", "currency", "last-updated-at"],
    "chargebacks": [
        "chargeback-id", "amazon-order-id", "filed-at", "type", "status", "amount", "currency",
        "last-updated-at",
    ],
    "return_requests": [
        "rma-id", "amazon-order-id", "requested-at", "in-policy", "responded-at", "response", "refunded-at",
        "refunded-amount", "currency", "negative-return-feedback", "last-updated-at",
    ],
    "buyer_messages": [
        "message-id", "thread-id", "amazon-order-id", "received-at", "responded-at", "no-response-needed",
        "last-updated-at",
    ],
    "cs_surveys": ["survey-id", "thread-id", "amazon-order-id", "answered-at", "answer"],
}  # fmt: skip
# The instant that decides each export's dt (docs/exports.md: the records created or updated that day).
VERSION_COLUMN = {
    "orders": "last-updated-date",
    "mfn_shipments": "last-updated-at",
    "cancellations": "last-updated-at",
    "claims": "last-updated-at",
    "chargebacks": "last-updated-at",
    "return_requests": "last-updated-at",
    "buyer_messages": "last-updated-at",
    "cs_surveys": "answered-at",
}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
PRICE_COLUMNS = ["item-price", "item-tax", "shipping-price"]


def _text(f: GeneratedFile) -> str:
    body = gzip.decompress(f.body) if f.key.endswith(".gz") else f.body
    return body.decode("utf-8-sig")


def _rows(f: GeneratedFile) -> tuple[list[str], list[dict[str, str]]]:
    lines = _text(f).splitlines()
    header = lines[0].split("\t")
    rows = []
    for line in lines[1:]:
        fields = line.split("\t")
        assert len(fields) == len(header), f"{f.key}: a row has {len(fields)} fields, the header {len(header)}"
        rows.append(dict(zip(header, fields, strict=True)))
    return header, rows


def _instant(text: str) -> datetime:
    assert ISO_WITH_OFFSET.match(text), f"not ISO-8601 with an offset: {text!r}"
    return datetime.fromisoformat(text).astimezone(UTC)


class Loaded:
    """Every row of a file set, per export, with the file's key fields."""

    def __init__(self, files: list[GeneratedFile]):
        self.files = files
        self.rows: dict[str, list[tuple[str, str, date, str, dict[str, str]]]] = defaultdict(list)
        self.headers: dict[str, list[str]] = {}
        for f in files:
            k = parse_key(f.key)
            if k.export == "account_health":
                continue
            header, rows = _rows(f)
            self.headers[f.key] = header
            for row in rows:
                self.rows[k.export].append((k.seller_id, k.marketplace_id, k.dt, f.key, row))


@pytest.fixture(scope="module")
def two_weeks() -> list[GeneratedFile]:
    return list(generate_exports(date(2025, 3, 3), date(2025, 3, 16), sellers=2, orders_per_day=40))


@pytest.fixture(scope="module")
def quarter() -> Loaded:
    """October to December: enough days for feedback, file quirks and the December backlog."""
    return Loaded(list(generate_exports(date(2025, 10, 1), date(2025, 12, 31), sellers=2, orders_per_day=120)))


def test_seller_ids_are_deterministic_merchant_tokens():
    ids = seller_ids(12)
    assert ids[:2] == ["A2SELLER1X", "A2SELLER2X"]
    assert ids == seller_ids(12)
    assert len(set(ids)) == 12
    assert all(re.fullmatch(r"[A-Z0-9]+", s) for s in ids)


def test_same_arguments_give_byte_identical_files(two_weeks):
    again = list(generate_exports(date(2025, 3, 3), date(2025, 3, 16), sellers=2, orders_per_day=40))
    assert [(f.key, f.body) for f in again] == [(f.key, f.body) for f in two_weeks]


def test_another_seed_gives_other_data(two_weeks):
    other = list(generate_exports(date(2025, 3, 3), date(2025, 3, 16), sellers=2, orders_per_day=40, seed=8))
    orders = {f.key.rsplit("/", 1)[0]: _text(f) for f in two_weeks if f.key.startswith("orders/")}
    other_orders = {f.key.rsplit("/", 1)[0]: _text(f) for f in other if f.key.startswith("orders/")}
    assert orders.keys() == other_orders.keys()
    assert all(orders[k] != other_orders[k] for k in orders)


def test_a_seller_marketplace_history_does_not_depend_on_the_others(two_weeks):
    alone = list(
        generate_exports(date(2025, 3, 3), date(2025, 3, 16), sellers=1, orders_per_day=40, marketplaces=(US,))
    )
    together = {f.key: f.body for f in two_weeks}
    assert alone and all(together.get(f.key) == f.body for f in alone)


def test_keys_follow_the_layout(two_weeks):
    for f in two_weeks:
        k = parse_key(f.key)
        assert k.seller_id in ("A2SELLER1X", "A2SELLER2X")
        assert k.marketplace_id in (US, DE)
        assert date(2025, 3, 3) <= k.dt <= date(2025, 3, 16)
        assert re.fullmatch(r"part-\d{4}\.(tsv|tsv\.gz|json)", k.file)
        assert k.file.endswith(".json") == (k.export == "account_health")
    prefixed = next(iter(generate_exports(date(2025, 3, 3), date(2025, 3, 3), sellers=1, prefix="raw/exports/")))
    assert parse_key(prefixed.key, prefix="raw/exports/").export == "orders"


def test_every_export_has_a_file_every_day_with_the_spec_header(two_weeks):
    days = {k.dt for k in map(parse_key, (f.key for f in two_weeks))}
    assert len(days) == 14
    files = defaultdict(list)
    for f in two_weeks:
        k = parse_key(f.key)
        files[(k.export, k.seller_id, k.marketplace_id, k.dt)].append(f)
    for export in EXPORTS:
        for seller in ("A2SELLER1X", "A2SELLER2X"):
            for marketplace in (US, DE):
                for day in days:
                    found = files.get((export, seller, marketplace, day), [])
                    if export == "account_health":
                        # One document a week, on Mondays (2025-03-03 and 2025-03-10).
                        assert len(found) == (1 if day.weekday() == 0 else 0)
                        continue
                    if export in SCHEDULED_REPORTS:
                        assert found, f"no {export} file for {seller} {marketplace} {day}"
                    for f in found:
                        header = _text(f).splitlines()[0].split("\t")
                        if export == "orders":
                            assert set(ORDERS_REQUIRED + ORDERS_COMMON) <= set(header)
                            assert len(header) == len(set(header))
                        else:
                            assert header == HEADERS[export]


def test_scheduled_reports_come_every_day_other_exports_only_with_records():
    # At 5 orders a day most days have no cancellation and no feedback.
    files = list(generate_exports(date(2025, 3, 3), date(2025, 3, 9), sellers=1, orders_per_day=5, marketplaces=(US,)))
    feedback = [f for f in files if f.key.startswith("feedback/")]
    assert len(feedback) == 7
    assert any(len(_text(f).splitlines()) == 1 for f in feedback)
    cancellations = [f for f in files if f.key.startswith("cancellations/")]
    assert len(cancellations) < 7
    assert all(len(_text(f).splitlines()) > 1 for f in cancellations)


def test_gzip_files_decompress_and_are_deterministic(quarter):
    tsv = [f for f in quarter.files if ".tsv" in f.key]
    gz = [f for f in tsv if f.key.endswith(".gz")]
    assert 0.1 < len(gz) / len(tsv) < 0.3  # about 1 in 5
    for f in gz:
        header = gzip.decompress(f.body).decode("utf-8-sig").split("\n", 1)[0]
        first_columns = (
            "amazon-order-id",
            "Date",
            "claim-id",
            "chargeback-id",
            "rma-id",
            "message-id",
            "survey-id",
        )
        assert header.split("\t")[0] in first_columns
        assert f.body[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0: the same bytes on every run
    assert all(not f.body.startswith(b"\x1f\x8b") for f in tsv if not f.key.endswith(".gz"))


def test_orders_files_have_real_file_quirks(quarter):
    orders = [f for f in quarter.files if f.key.startswith("orders/")]
    text = {f.key: (gzip.decompress(f.body) if f.key.endswith(".gz") else f.body) for f in orders}
    bom_crlf = [k for k, b in text.items() if b.startswith(b"\xef\xbb\xbf")]
    assert 0.03 < len(bom_crlf) / len(orders) < 0.2  # about 1 in 10
    assert all(b"\r\n" in text[k] and b"\n" not in text[k].replace(b"\r\n", b"") for k in bom_crlf)
    # A few busy days come in two parts, each with its header.
    second_parts = [k for k in text if "/part-0001." in k]
    assert second_parts
    for k in second_parts:
        assert text[k].decode("utf-8-sig").startswith("amazon-order-id\t")
    for f in quarter.files:
        if ".tsv" in f.key and not f.key.startswith("orders/"):
            raw = gzip.decompress(f.body) if f.key.endswith(".gz") else f.body
            assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw


def test_every_version_is_in_the_file_of_its_utc_day(quarter):
    styles = Counter()
    for export, column in VERSION_COLUMN.items():
        rows = quarter.rows[export]
        assert rows, f"no {export} rows"
        for _, marketplace, dt, key, row in rows:
            assert _instant(row[column]).date() == dt, f"{key}: {column} {row[column]}"
            styles[(marketplace, row[column][19:])] += 1
    # Timestamps come with the marketplace's local offset mostly, and in UTC ("Z", "+00:00") in some files.
    assert styles[(US, "-05:00")] > styles[(US, "Z")] > 0
    assert styles[(DE, "+01:00")] > styles[(DE, "+00:00")] > 0


def test_every_timestamp_is_iso_8601_with_an_offset(quarter):
    for rows in quarter.rows.values():
        for _, _, _, _, row in rows[:20_000]:
            for column, value in row.items():
                if value and (column.endswith("-at") or column.endswith("-date")):
                    _instant(value)


def test_feedback_dates_use_the_marketplace_format_and_match_the_file_day(quarter):
    seen = Counter()
    for _, marketplace, dt, key, row in quarter.rows["feedback"]:
        fmt = MARKETPLACES[marketplace].feedback_date_format
        assert datetime.strptime(row["Date"], fmt).date() == dt, f"{key}: {row['Date']}"
        if marketplace == US:  # like real US files: 7/3/25, no leading zeros
            assert re.fullmatch(r"[1-9]\d?/[1-9]\d?/\d{2}", row["Date"])
        else:
            assert re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", row["Date"])
        assert 1 <= int(row["Rating"]) <= 5
        assert row["Rater Email"].endswith("@marketplace.amazon.com")
        seen[marketplace] += 1
    assert seen[US] > 20 and seen[DE] > 20


def test_an_order_shipped_after_its_purchase_day_is_pending_then_shipped(quarter):
    versions = defaultdict(list)
    for seller, marketplace, dt, _, row in quarter.rows["orders"]:
        versions[(seller, marketplace, row["amazon-order-id"], row["sku"])].append((dt, row))
    later = 0
    for rows in versions.values():
        rows.sort(key=lambda r: _instant(r[1]["last-updated-date"]))
        statuses = [r["order-status"] for _, r in rows]
        assert statuses[0] == "Pending"
        assert statuses in (["Pending"], ["Pending", "Shipped"], ["Pending", "Cancelled"])
        for _, row in rows:
            priced = row["order-status"] == "Shipped"
            assert all(bool(row[c]) == priced for c in PRICE_COLUMNS)  # empty on Pending and Cancelled
            assert _instant(row["purchase-date"]) == _instant(rows[0][1]["purchase-date"])
        if statuses == ["Pending", "Shipped"] and rows[1][0] > rows[0][0]:
            later += 1
    assert later > 1000


def test_afn_orders_never_reach_mfn_shipments(quarter):
    channel = {}
    for seller, marketplace, _, _, row in quarter.rows["orders"]:
        channel[(seller, marketplace, row["amazon-order-id"])] = row["fulfillment-channel"]
    shipped = {(s, m, row["amazon-order-id"]) for s, m, _, _, row in quarter.rows["mfn_shipments"]}
    assert shipped
    assert all(channel.get(o) != "Amazon" for o in shipped)
    merchant = {o for o, c in channel.items() if c == "Merchant"}
    assert merchant <= shipped  # every seller-fulfilled order is in mfn_shipments from its first day
    assert 0.5 < len(merchant) / len(channel) < 0.7  # ~60% seller-fulfilled


def test_a_cancelled_order_never_ships(quarter):
    cancelled = {(s, m, row["amazon-order-id"]) for s, m, _, _, row in quarter.rows["cancellations"]}
    orders = {(s, m, row["amazon-order-id"]) for s, m, _, _, row in quarter.rows["orders"]}
    assert 0.005 < len(cancelled) / len(orders) < 0.03  # ~1.5%
    for s, m, _, _, row in quarter.rows["mfn_shipments"]:
        if (s, m, row["amazon-order-id"]) in cancelled:
            assert row["shipped-at"] == ""
    for _, _, _, _, row in quarter.rows["cancellations"]:
        assert row["cancelled-by"] in ("BUYER", "SELLER", "AMAZON")


def _latest(rows, key_fields, version_column):
    latest = {}
    for seller, marketplace, dt, key, row in rows:
        k = (seller, marketplace, *(row[f] for f in key_fields))
        version = (_instant(row[version_column]), dt, key)
        if k not in latest or version >= latest[k][0]:
            latest[k] = (version, row)
    return {k: row for k, (_, row) in latest.items()}


def test_december_backlog_pushes_late_shipments_over_the_target(quarter):
    shipments = _latest(quarter.rows["mfn_shipments"], ["amazon-order-id"], "last-updated-at")
    cancelled = {(s, m, row["amazon-order-id"]) for s, m, _, _, row in quarter.rows["cancellations"]}
    late = defaultdict(lambda: [0, 0])  # latest-ship-date day -> [late, orders]
    for k, row in shipments.items():
        if k in cancelled:
            continue
        due = _instant(row["latest-ship-date"])
        is_late = row["shipped-at"] == "" or _instant(row["shipped-at"]) > due
        late[due.date()][0] += is_late
        late[due.date()][1] += 1

    def share(first: date, last: date) -> float:
        days = [v for d, v in late.items() if first <= d <= last]
        return sum(v[0] for v in days) / sum(v[1] for v in days)

    october = share(date(2025, 10, 1), date(2025, 10, 31))
    backlog = share(date(2025, 12, 10), date(2025, 12, 20))
    assert october < 0.04
    assert backlog > 0.04 and backlog > 2 * october


def test_shipping_is_mostly_on_time_with_valid_tracking(quarter):
    shipments = _latest(quarter.rows["mfn_shipments"], ["amazon-order-id"], "last-updated-at")
    shipped = [r for r in shipments.values() if r["shipped-at"] and r["shipped-at"] < "2025-12-20"]
    tracked = [r for r in shipped if r["tracking-number"] and r["first-scan-at"]]
    assert 0.95 < len(tracked) / len(shipped) < 0.99
    for r in tracked:
        assert _instant(r["shipped-at"]) <= _instant(r["first-scan-at"])
    delivered = [r for r in tracked if r["delivered-at"]]
    on_time = [r for r in delivered if _instant(r["delivered-at"]) <= _instant(r["latest-delivery-date"])]
    assert 0.88 < len(on_time) / len(delivered) < 0.97


def test_buyer_messages_get_answers_slower_at_weekends(quarter):
    messages = _latest(quarter.rows["buyer_messages"], ["message-id"], "last-updated-at")
    late = defaultdict(lambda: [0, 0])  # weekend? -> [answered after 24 h or not at all, messages]
    for (_, marketplace, _), row in messages.items():
        if row["no-response-needed"] == "Y" or row["received-at"] > "2025-12-25":
            continue
        received = _instant(row["received-at"])
        weekend = (received + timedelta(hours=MARKETPLACES[marketplace].utc_offset_hours)).weekday() >= 5
        answered = row["responded-at"] and (_instant(row["responded-at"]) - received) <= timedelta(hours=24)
        late[weekend][0] += not answered
        late[weekend][1] += 1
    weekday, weekend = late[False][0] / late[False][1], late[True][0] / late[True][1]
    assert weekday < 0.08
    assert weekend > 2 * weekday
    assert (late[False][0] + late[True][0]) / (late[False][1] + late[True][1]) < 0.12


def test_account_health_documents_are_weekly_json_with_drifting_keys(quarter):
    docs = [(parse_key(f.key), json.loads(f.body)) for f in quarter.files if "/account_health/" in "/" + f.key]
    assert len(docs) == 2 * 2 * 13  # sellers x marketplaces x Mondays of Oct-Dec 2025
    names = Counter()
    for key, doc in docs:
        assert key.dt.weekday() == 0
        (metrics,) = doc["performanceMetrics"]
        assert metrics["marketplaceId"] == key.marketplace_id
        names.update(metrics.keys())
        names.update(metrics["accountHealthRating"].keys())
        for channel in ("afn", "mfn"):
            odr = metrics["orderDefectRate"][channel]
            assert 0 <= odr.get("rate", 0) < 0.05
            assert odr["targetValue"] == 0.01 and odr["targetCondition"] == "LESS_THAN"
    assert names["prefulfillmentCancelRate"] and names["preFulfillmentCancellationRate"]
    assert names["ahrStatus"] and names["accountHealthRatingStatus"]


def test_the_second_seller_breaches_the_order_defect_rate_in_the_second_half():
    files = generate_exports(date(2025, 1, 1), date(2025, 12, 31), sellers=2, orders_per_day=30, marketplaces=(US,))
    loaded = Loaded([f for f in files if f.key.split("/")[0] in ("orders", "feedback", "claims", "chargebacks")])
    orders = _latest(loaded.rows["orders"], ["amazon-order-id", "sku"], "last-updated-date")
    purchased = {(s, o): _instant(row["purchase-date"]).date() for (s, _, o, _), row in orders.items()}
    defects = set()
    for s, _, _, _, row in loaded.rows["feedback"]:
        if int(row["Rating"]) <= 2:
            defects.add((s, row["Order ID"]))
    for (s, _, _), row in _latest(loaded.rows["claims"], ["claim-id"], "last-updated-at").items():
        if row["status"] in ("OPEN", "GRANTED"):
            defects.add((s, row["amazon-order-id"]))
    for (s, _, _), row in _latest(loaded.rows["chargebacks"], ["chargeback-id"], "last-updated-at").items():
        if row["type"] == "SERVICE":
            defects.add((s, row["amazon-order-id"]))

    def rate(seller: str, first: date, last: date) -> float:
        population = [o for (s, o), d in purchased.items() if s == seller and first <= d <= last]
        return sum((seller, o) in defects for o in population) / len(population)

    first, second = seller_ids(2)
    spring = (date(2025, 3, 1), date(2025, 5, 31))
    spell = (date(2025, 8, 1), date(2025, 9, 30))
    assert 0.002 < rate(first, *spring) < 0.008 and 0.002 < rate(first, *spell) < 0.008
    assert 0.002 < rate(second, *spring) < 0.008
    assert rate(second, *spell) > 0.01


def test_upload_puts_every_file_and_reports_progress(quarter, bucket):
    """Against the real moto_server endpoint (tests/conftest.py), as `sellerhealth generate` uploads."""
    files = quarter.files[:1200]
    reports: list[int] = []
    count = upload(iter(files), bucket.client, bucket.name, workers=4, progress=reports.append)
    assert count == len(files) == 1200
    keys = []
    for page in bucket.client.get_paginator("list_objects_v2").paginate(Bucket=bucket.name):
        keys += [o["Key"] for o in page.get("Contents", [])]
    assert sorted(keys) == sorted(f.key for f in files)
    sample = files[len(files) // 2]
    assert bucket.client.get_object(Bucket=bucket.name, Key=sample.key)["Body"].read() == sample.body
    # About every 500 files (uploads finish in batches), then the total.
    assert 500 <= reports[0] < 520 and reports == sorted(reports) and reports[-1] == count
