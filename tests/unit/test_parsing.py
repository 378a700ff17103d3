"""Reading export files: formats, encodings, header matching, typed values and the contract."""

import gzip
from datetime import date, datetime

import pandas as pd
import pytest

from pipelines.lib.layout import build_key, parse_key
from pipelines.lib.parsing import FileRejected, parse_export_file

ORDERS_HEADER = (
    "amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\t"
    "sku\tasin\titem-status\tquantity\tcurrency\titem-price"
)
ORDER_ROW = (
    "111-0000001-0000001\t2026-03-04T17:05:00+01:00\t2026-03-04T18:00:00Z\tPending\tMerchant\tAmazon.de\t"
    "SKU-1\tB000000001\tUnshipped\t1\tEUR\t"
)


def key(export="orders", marketplace="A1PA6795UKMFR9", file="part-0000.tsv", dt=date(2026, 3, 4)):
    return parse_key(build_key("", export, "A2SELLER1X", marketplace, dt, file))


def tsv(*lines, end="\n"):
    return (end.join(lines) + end).encode()


# --- feedback dates: every marketplace's own short format -------------------------------------------


@pytest.mark.parametrize(
    ("marketplace", "text"),
    [
        ("ATVPDKIKX0DER", "7/3/11"),  # US %m/%d/%y, no leading zeros as in the real 2011 file
        ("A1PA6795UKMFR9", "3.7.11"),  # DE %d.%m.%y
        ("A1PA6795UKMFR9", "03.07.11"),
        ("A1VC38T7YXB528", "11/7/3"),  # JP %y/%m/%d
        ("A1F83G8C2ARO7P", "3/7/11"),  # UK
        ("A13V1IB3VIYZZH", "03/07/11"),  # FR
        ("APJ6JRA9NG5V4", "3/07/11"),  # IT
        ("A1RKKUPIHCS9HS", "3/7/11"),  # ES
        ("A2EUQ1WTGCTBG2", "3/7/11"),  # CA
        ("A1AM78C64UM0Y8", "3/7/11"),  # MX
    ],
)
def test_feedback_date_in_each_marketplace_format_is_3_july_2011(marketplace, text):
    body = tsv(
        "Date\tRating\tComments\tYour Response\tOrder ID\tRater Email",
        f"{text}\t5\tgreat\t\t111-0000001-0000001\tx@marketplace.amazon.com",
    )
    parsed = parse_export_file(key("feedback", marketplace), body)
    assert parsed.frame["feedback_date"].tolist() == [pd.Timestamp(2011, 7, 3)]


def test_feedback_date_in_another_marketplace_format_is_kept_aside():
    # 13/07/11 is a UK date; in a US file month 13 does not exist.
    body = tsv("Date\tRating\tOrder ID", "13/07/11\t5\t111-0000001-0000001", "7/3/11\t2\t111-0000001-0000002")
    parsed = parse_export_file(key("feedback", "ATVPDKIKX0DER"), body)
    assert parsed.frame["amazon_order_id"].tolist() == ["111-0000001-0000002"]
    (rejection,) = parsed.rejections
    assert (rejection.line_number, rejection.column, rejection.value) == (2, "Date", "13/07/11")


def test_buyer_email_and_free_text_are_dropped():
    body = tsv(
        "Date\tRating\tComments\tResponse\tOrder ID\tRater Email\tRater Role",
        "7/3/11\t1\tCall me at 555-0100, John\t\t111-0000001-0000001\tjohn@example.com\tBuyer",
    )
    frame = parse_export_file(key("feedback", "ATVPDKIKX0DER"), body).frame
    assert "john@example.com" not in frame.to_string() and "555-0100" not in frame.to_string()
    assert not {"rater_email", "comments"} & set(frame.columns)


@pytest.mark.parametrize("rating", ["0", "6", "five"])
def test_rating_outside_1_to_5_is_kept_aside(rating):
    body = tsv("Date\tRating\tOrder ID", f"7/3/11\t{rating}\t111-0000001-0000001")
    parsed = parse_export_file(key("feedback", "ATVPDKIKX0DER"), body)
    assert len(parsed.frame) == 0 and parsed.rows_rejected == 1
    assert parsed.rejections[0].column == "Rating"


# --- header matching ------------------------------------------------------------------------------


def test_header_matched_trimmed_case_insensitive_in_any_order_with_extra_columns():
    header = ORDERS_HEADER.split("\t")
    header = [
        " SKU ",
        "Amazon-Order-ID",
        *[h for h in header if h not in ("sku", "amazon-order-id")],
        "ship-city",
        "buyer-email",
    ]
    values = dict(zip(ORDERS_HEADER.split("\t"), ORDER_ROW.split("\t"), strict=True))
    values.update({"ship-city": "Berlin", "buyer-email": "b@example.com"})
    row = [values[h.strip().lower()] for h in header]
    frame = parse_export_file(key(), tsv("\t".join(header), "\t".join(row))).frame
    assert frame.loc[0, "sku"] == "SKU-1" and frame.loc[0, "amazon_order_id"] == "111-0000001-0000001"
    assert "Berlin" not in frame.to_string() and "b@example.com" not in frame.to_string()


def test_missing_required_column_rejects_the_file_naming_the_column():
    header = ORDERS_HEADER.replace("\tsku", "")
    row = ORDER_ROW.replace("\tSKU-1", "")
    with pytest.raises(FileRejected, match=r"orders/.*part-0000\.tsv: line 1: missing required column 'sku'") as exc:
        parse_export_file(key(), tsv(header, row, row))
    assert exc.value.rows_read == 2 and exc.value.column == "sku"


def test_empty_file_is_rejected():
    with pytest.raises(FileRejected, match="empty"):
        parse_export_file(key(), b"")


def test_header_only_file_loads_nothing():
    parsed = parse_export_file(key(), tsv(ORDERS_HEADER))
    assert (parsed.rows_read, len(parsed.frame), parsed.rows_rejected) == (0, 0, 0)


# --- encodings, gzip, line ends -------------------------------------------------------------------


def test_bom_and_crlf():
    body = b"\xef\xbb\xbf" + tsv(ORDERS_HEADER, ORDER_ROW, end="\r\n")
    parsed = parse_export_file(key(), body)
    assert len(parsed.frame) == 1 and parsed.encoding == "utf-8"
    assert parsed.frame.loc[0, "item_price"] != parsed.frame.loc[0, "item_price"]  # empty price is NaN, not "\r"


def test_windows_1252_file_loads_and_is_recorded():
    body = (ORDERS_HEADER + "\tproduct-name\n" + ORDER_ROW + "\tM\u00fcsli Sch\u00fcssel \u20ac\n").encode("cp1252")
    parsed = parse_export_file(key(), body)
    assert parsed.encoding == "windows-1252"
    assert parsed.frame.loc[0, "product_name"] == "M\u00fcsli Sch\u00fcssel \u20ac"
    assert any("windows-1252" in w for w in parsed.warnings)


def test_gzip_file():
    parsed = parse_export_file(key(file="part-0000.tsv.gz"), gzip.compress(tsv(ORDERS_HEADER, ORDER_ROW)))
    assert len(parsed.frame) == 1


def test_corrupt_gzip_rejects_the_file():
    body = gzip.compress(tsv(ORDERS_HEADER, ORDER_ROW))[:30]
    with pytest.raises(FileRejected, match="corrupt gzip"):
        parse_export_file(key(file="part-0000.tsv.gz"), body)


def test_plain_text_named_gz_loads_with_a_warning():
    parsed = parse_export_file(key(file="part-0000.tsv.gz"), tsv(ORDERS_HEADER, ORDER_ROW))
    assert len(parsed.frame) == 1 and any("not gzip" in w for w in parsed.warnings)


# --- values ---------------------------------------------------------------------------------------


def test_timestamps_with_offsets_become_utc_and_no_offset_means_utc():
    body = tsv(ORDERS_HEADER, ORDER_ROW, ORDER_ROW.replace("2026-03-04T17:05:00+01:00", "2026-03-04T17:05:00"))
    frame = parse_export_file(key(), body).frame
    assert frame["purchase_date"].tolist() == [datetime(2026, 3, 4, 16, 5), datetime(2026, 3, 4, 17, 5)]
    assert frame["last_updated_date"].tolist() == [datetime(2026, 3, 4, 18, 0)] * 2


def test_bad_rows_are_kept_aside_with_line_column_and_value_and_counts_reconcile():
    rows = [
        ORDER_ROW,
        ORDER_ROW.replace("2026-03-04T17:05:00+01:00", "2026-02-30T17:05:00+01:00"),  # line 3: no such day
        ORDER_ROW.replace("\t1\tEUR", "\t-2\tEUR"),  # line 4: negative quantity
        ORDER_ROW + "\textra",  # line 5: one field too many
        ORDER_ROW.replace("Pending", "PendingAvailability"),  # line 6: a new order-status loads
        ORDER_ROW.rsplit("\t", 3)[0],  # line 7: truncated
    ]
    parsed = parse_export_file(key(), tsv(ORDERS_HEADER, *rows))
    assert parsed.rows_read == 6 and len(parsed.frame) == 2 and parsed.rows_rejected == 4
    assert parsed.frame["_line_number"].tolist() == [2, 6]
    found = {(r.line_number, r.column, r.check) for r in parsed.rejections}
    assert (3, "purchase-date", "parse_timestamp") in found
    assert (4, "quantity", "greater_than_or_equal_to(0)") in found
    assert (5, None, "field_count") in found and (7, None, "field_count") in found
    bad_date = next(r for r in parsed.rejections if r.line_number == 3)
    assert bad_date.value == "2026-02-30T17:05:00+01:00"


def test_quotes_are_characters_not_delimiters():
    row = ORDER_ROW + '\t"Deluxe" mug, 12"'
    frame = parse_export_file(key(), tsv(ORDERS_HEADER + "\tproduct-name", row)).frame
    assert frame.loc[0, "product_name"] == '"Deluxe" mug, 12"'


def test_unknown_enum_in_a_contract_export_is_kept_aside():
    header = "claim-id\tamazon-order-id\tfiled-at\tstatus\tamount\tcurrency\tlast-updated-at"
    body = tsv(
        header,
        "C1\t111-0000001-0000001\t2026-03-01T10:00:00Z\tESCALATED\t10.00\tEUR\t2026-03-04T10:00:00Z",
        "C2\t111-0000001-0000002\t2026-03-01T10:00:00Z\tGRANTED\t10.00\tEUR\t2026-03-04T10:00:00Z",
    )
    parsed = parse_export_file(key("claims"), body)
    assert parsed.frame["claim_id"].tolist() == ["C2"]
    assert parsed.rejections[0].column == "status" and parsed.rejections[0].value == "ESCALATED"


# --- account health JSON --------------------------------------------------------------------------


def test_account_health_drifted_and_missing_keys():
    doc = b"""{"performanceMetrics": [{"marketplaceId": "A1PA6795UKMFR9",
      "preFulfillmentCancellationRate": {"rate": 0.004, "cancellationCount": 4, "orderCount": 1000,
          "targetValue": 0.025, "targetCondition": "LESS_THAN", "status": "GOOD"},
      "accountHealthRating": {"accountHealthRatingStatus": "GREAT", "ahrScore": 950},
      "lateShipmentRate": {"reportingDateRange": {"reportingDateFrom": "2026-02-01T00:00Z"}}}]}"""
    frame = parse_export_file(key("account_health", file="part-0000.json"), doc).frame.set_index("metric")
    assert frame.loc["prefulfillment_cancel_rate", "rate"] == 0.004
    assert frame.loc["prefulfillment_cancel_rate", "defect_count"] == 4
    assert frame.loc["account_health_rating", "status"] == "GREAT"
    assert frame.loc["account_health_rating", "score"] == 950
    assert frame.loc["late_shipment_rate", "reporting_date_from"] == datetime(2026, 2, 1)
    assert pd.isna(frame.loc["late_shipment_rate", "rate"])


def test_account_health_without_performance_metrics_is_rejected():
    with pytest.raises(FileRejected, match="performanceMetrics"):
        parse_export_file(key("account_health", file="part-0000.json"), b'{"metrics": []}')
    with pytest.raises(FileRejected, match="line 1, column"):
        parse_export_file(key("account_health", file="part-0000.json"), b'{"performanceMetrics": [')


# --- control characters inside fields: rows end at LF (or CRLF) only ---------------------------------


@pytest.mark.parametrize("special", ["\r", "\x00", "\r\r", "\x0b\x0c"])
def test_a_control_character_inside_a_field_stays_in_it_and_lines_keep_their_numbers(special):
    sku = f"SKU{special}1"
    rows = [ORDER_ROW.replace("SKU-1", sku), ORDER_ROW.replace("SKU-1", "SKU-2"), ORDER_ROW.replace("SKU-1", "SKU-3")]
    parsed = parse_export_file(key(), tsv(ORDERS_HEADER, *rows, end="\r\n"))
    assert parsed.rows_read == 3 and parsed.rejections == []
    assert parsed.frame["sku"].tolist() == [sku, "SKU-2", "SKU-3"]
    assert parsed.frame["_line_number"].tolist() == [2, 3, 4]
