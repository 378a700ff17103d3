"""Reading one export file: bytes in, a checked frame plus the rows kept aside out.

No Dagster, S3 or DuckDB here, so every rule about file contents (README "The S3 layout",
docs/robustness.md) is unit tested on its own: gzip, encodings (UTF-8 with or without BOM, Windows-1252 fallback), CRLF,
header matching (trimmed, case-insensitive, any order, extra columns dropped), field counts,
typed parsing (timestamps with offsets to naive UTC, marketplace date formats, numbers) and the
Pandera contract. A problem with the whole file raises `FileRejected`; a problem with a row keeps
the row aside as a `Rejection` and the other rows still load.

The reading is columnar (Polars): lines are split, counted, cut into fields and typed as whole
columns, and the contracts run in Pandera's Polars backend. The usual file (every line with the
header's field count, no blank line, no field with an edge space) is split by Polars' CSV reader;
any other file by the exact reader, which finds the lines to keep aside; both give the same rows.
Typing reads the shapes exports have (ISO timestamps, plain numbers, the marketplace's short
dates) with column expressions; the rare value of another shape (a bad file's) is judged by
pandas' parsers, which the reader used before, so what loads and what is kept aside stays exactly
what it was (tests/robustness/test_reader_regression.py).
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
import pandera.polars as pa
import polars as pl

from data_contracts import CONTRACTS, ContractColumn, contract_columns
from data_contracts._base import DECIMAL, INTEGER, MARKETPLACE_DATE, TIMESTAMP

from .account_health import flatten_account_health
from .layout import MARKETPLACES, ExportKey

_GZIP_MAGIC = b"\x1f\x8b"


class FileRejected(ValueError):
    """The whole file cannot be loaded; the message names the file and the cause."""

    def __init__(
        self,
        key: str,
        check: str,
        message: str,
        column: str | None = None,
        rows_read: int = 0,
        line_number: int | None = None,
    ):
        super().__init__(f"{key}: {message}")
        self.check = check
        self.column = column
        self.line_number = line_number  # the file's line the cause is on, when it is on one
        self.reason = message
        self.rows_read = rows_read  # data lines the file has, all rejected with it (0 when unreadable)


@dataclass(frozen=True)
class Rejection:
    line_number: int | None
    column: str | None  # the export's header name
    check: str
    value: str | None
    message: str


@dataclass
class ParsedFile:
    table: pl.DataFrame  # `_line_number`, then the contract columns, typed
    rows_read: int
    rejections: list[Rejection] = field(default_factory=list)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.table.height

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame (timestamps datetime64[us], integers Int64), for readers that want one."""
        return to_pandas(self.table)


def to_pandas(table: pl.DataFrame) -> pd.DataFrame:
    """A Polars frame as pandas without pyarrow: nulls become NaN, NaT, <NA> or None by column type."""
    columns = {}
    for name, dtype in table.schema.items():
        series = table[name]
        if dtype == pl.Datetime("us"):
            columns[name] = pd.Series(series.to_numpy(), dtype="datetime64[us]")
        elif dtype == pl.Int64:
            columns[name] = pd.Series(series.to_list(), dtype="Int64")
        elif dtype == pl.Float64:
            columns[name] = pd.Series(series.to_numpy(), dtype="float64")
        elif dtype in (pl.Int32, pl.Int16):
            columns[name] = pd.Series(series.to_numpy(), dtype=str(dtype).lower())
        else:
            columns[name] = pd.Series(series.to_list(), dtype="object")
    return pd.DataFrame(columns, index=pd.RangeIndex(table.height))


def decompress(key: ExportKey, body: bytes, warnings: list[str]) -> bytes:
    """Gunzip a `.gz` file; a `.gz` file that is not gzip at all is read as plain text, with a warning."""
    if not key.is_gzip:
        return body
    if not body.startswith(_GZIP_MAGIC):
        warnings.append("named .gz but not gzip-compressed: read as plain text")
        return body
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(key.key, "gzip", f"corrupt gzip data ({exc})") from exc


def decode(body: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (BOM stripped), else Windows-1252, which never fails."""
    try:
        return body.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        # Five bytes are undefined in Windows-1252; `replace` keeps the row instead of crashing.
        return body.decode("cp1252", errors="replace"), "windows-1252"


def normalise_header(name: str) -> str:
    return name.strip().lower()


def match_header(header: list[str], columns: list[ContractColumn]) -> tuple[dict[str, int], list[str]]:
    """Map contract column names to field positions; return the map and the missing required headers.

    Names are compared after trimming spaces and ignoring case; aliases count; the first of two equal
    names wins; columns no contract field names are ignored.
    """
    position: dict[str, int] = {}
    for i, raw in enumerate(header):
        position.setdefault(normalise_header(raw), i)
    found: dict[str, int] = {}
    missing: list[str] = []
    for col in columns:
        for name in (col.header, *col.aliases):
            if normalise_header(name) in position:
                found[col.name] = position[normalise_header(name)]
                break
        else:
            if col.required:
                missing.append(col.header)
    return found, missing


_EXPECTED = {
    TIMESTAMP: "an ISO-8601 timestamp",
    MARKETPLACE_DATE: "a date in the marketplace's format",
    INTEGER: "a whole number",
    DECIMAL: "a number",
}
_DTYPE = {TIMESTAMP: pl.Datetime("us"), MARKETPLACE_DATE: pl.Datetime("us"), INTEGER: pl.Int64, DECIMAL: pl.Float64}

# What Python's str.strip() strips (str.isspace): a field's edge spaces, and what makes a line blank.
_SPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE) + "]"
# A field with a space at an edge somewhere in the file: only then is every field stripped (it costs).
_EDGE_SPACE = f"(?:^|\t){_SPACE_CLASS}|{_SPACE_CLASS}(?:\t|$)"


@dataclass
class TextFile:
    """A file read and split into the contract's columns, still as text: the first phase of a read."""

    key: ExportKey
    text: pl.DataFrame  # one String column per contract column, null for empty
    lines: pl.Series  # physical line of each row of `text`
    rows_read: int
    rejections: list[Rejection]
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)


def _empty_text(columns: list[ContractColumn]) -> pl.DataFrame:
    return pl.DataFrame(schema={c.name: pl.String for c in columns})


# Some field has a space at an edge (the exact reader then strips every field). Over the whole text
# at once: a space after a line start or a tab, or one before a tab or a line end (with the line's
# CR before its LF, which is not part of the field). Tabs and LFs cannot be inside a field.
_FIELD_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE if c not in "\t\n") + "]"
_FIELD_SPACE_NO_CR = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE if c not in "\t\n\r") + "]"
_PADDED_TEXT = rf"(?m)(?:^|\t){_FIELD_SPACE}|{_FIELD_SPACE_NO_CR}(?:\t|\r?$)|\r(?:\t|\r$)"
# The same for an ASCII text, whose spaces are ASCII: byte classes, which search about a third faster.
_PADDED_ASCII = r"(?m-u)(?:^|\t)[\x0b-\x0d\x1c-\x20]|[\x0b\x0c\x1c-\x20](?:\t|\r?$)|\r(?:\t|\r$)"


def _read_tsv_fast(text: str, columns: list[ContractColumn]) -> tuple[pl.DataFrame, int] | None:
    """The usual file, split by Polars' CSV reader: the contract columns as text and the data rows read.

    Only for a file the exact reader (`_read_tsv_exact`) would read the same way: a header on the
    first line, every line with the header's field count, no blank line, no field with an edge
    space. Anything else returns None, and the exact reader reads the file.
    """
    end = text.find("\n")
    header = (text if end < 0 else text[:end]).removesuffix("\r").split("\t")
    if not "".join(header).strip(_SPACE):
        return None
    found, missing = match_header(header, columns)
    if missing or pl.Series([text]).str.contains(_PADDED_ASCII if text.isascii() else _PADDED_TEXT).item():
        return None
    width = len(header)
    try:
        lines = pl.read_csv(
            text.encode(),
            has_header=False,
            separator="\t",
            quote_char=None,
            infer_schema=False,
            truncate_ragged_lines=False,  # a longer line raises
            new_columns=[f"field_{i}" for i in range(width)],
        )
    except pl.exceptions.PolarsError:
        return None
    physical = text.count("\n") + (not text.endswith("\n"))
    if lines.height != physical or text.count("\t") != physical * (width - 1):
        return None  # a line skipped, or a shorter line (no line is longer)
    if lines.select(pl.all_horizontal(pl.all().is_null()).any()).item():
        return None  # a blank line (tabs only)
    data = lines.slice(1)
    frame = data.select(
        (pl.col(f"field_{found[c.name]}") if c.name in found else pl.lit(None, dtype=pl.String)).alias(c.name)
        for c in columns
    )
    return frame, data.height


def _read_tsv(key: ExportKey, text: str, columns: list[ContractColumn]) -> TextFile:
    """The usual file by Polars' CSV reader, any other by the exact reader; both read it the same way."""
    fast = _read_tsv_fast(text, columns)
    if fast is None:
        return _read_tsv_exact(key, text, columns)
    frame, rows = fast
    return TextFile(key, frame, pl.int_range(2, rows + 2, dtype=pl.Int64, eager=True), rows, [])


def _read_tsv_exact(key: ExportKey, text: str, columns: list[ContractColumn]) -> TextFile:
    """Split lines, count fields and cut them into columns, all as column operations.

    Flat files are not quoted: a quote is an ordinary character. Rows end at LF only (a CR before it
    is dropped; a lone CR, as pasted titles carry, stays inside its field). Blank lines are not rows.
    """
    lines = (
        pl.DataFrame({"line": [text]})
        .select(pl.col("line").str.split("\n"))
        .explode("line")
        .with_row_index("number", offset=1)
        .with_columns(pl.col("line").str.strip_suffix("\r"))
        .filter(pl.col("line").str.strip_chars(_SPACE) != "")
    )
    if lines.height == 0:
        raise FileRejected(key.key, "empty_file", "the file is empty (no header row)")
    header_line, header_text = lines.row(0)
    header = header_text.split("\t")
    found, missing = match_header(header, columns)
    data = lines.slice(1)
    if missing:
        more = f" (and {', '.join(missing[1:])})" if missing[1:] else ""
        raise FileRejected(
            key.key,
            "required_column",
            f"line {header_line}: missing required column {missing[0]!r}{more} in the header",
            column=missing[0],
            rows_read=data.height,
            line_number=header_line,
        )
    width = len(header)
    data = data.with_columns(tabs=pl.col("line").str.count_matches("\t", literal=True))
    wrong = data.filter(pl.col("tabs") != width - 1)
    rejections = [
        Rejection(number, None, "field_count", str(tabs + 1), f"the line has {tabs + 1} fields, the header has {width}")
        for number, tabs in zip(wrong["number"].to_list(), wrong["tabs"].to_list(), strict=True)
    ]
    kept = data.filter(pl.col("tabs") == width - 1) if wrong.height else data
    fields = kept.select(pl.col("line").str.split_exact("\t", width - 1)).unnest("line")
    padded = kept["line"].str.contains(_EDGE_SPACE).any()
    frame = fields.select(
        (
            (
                pl.col(f"field_{found[c.name]}").str.strip_chars(_SPACE) if padded else pl.col(f"field_{found[c.name]}")
            ).replace("", None)
            if c.name in found
            else pl.lit(None, dtype=pl.String)
        ).alias(c.name)
        for c in columns
    )
    return TextFile(key, frame, kept["number"].cast(pl.Int64), data.height, rejections)


def _json_text(value) -> str | None:
    """A JSON scalar as the text a flat file would hold (numbers as Python writes them)."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _read_json(key: ExportKey, text: str, columns: list[ContractColumn]) -> TextFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            key.key,
            "json",
            f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})",
            line_number=exc.lineno,
        ) from exc
    try:
        records, warnings = flatten_account_health(document)
    except ValueError as exc:
        raise FileRejected(key.key, "json_shape", str(exc)) from exc
    frame = pl.DataFrame(
        {c.name: [_json_text(r.get(c.name)) for r in records] for c in columns},
        schema={c.name: pl.String for c in columns},
    )
    # A JSON document has no rows of its own: the flattened records are numbered 1..n.
    lines = pl.Series("number", range(1, len(records) + 1), dtype=pl.Int64)
    return TextFile(key, frame, lines, len(records), [], warnings=warnings)


def read_file(key: ExportKey, body: bytes) -> TextFile:
    """First phase: decompress, decode, split and match the header. Raises `FileRejected`."""
    warnings: list[str] = []
    text, encoding = decode(decompress(key, body, warnings))
    if encoding != "utf-8":
        warnings.append(f"not valid UTF-8: decoded as {encoding}")
    columns = contract_columns(CONTRACTS[key.export])
    read = _read_json if key.export == "account_health" else _read_tsv
    text_file = read(key, text, columns)
    text_file.encoding = encoding
    text_file.warnings = warnings + text_file.warnings
    return text_file


# The shapes typed by column expressions. Digits are ASCII ([0-9], not \d, which is any script's);
# years 1900-2199 and at most 6 decimals of a second stay well inside pandas' nanosecond range, so
# these shapes parse exactly as pandas parses them. Any other non-empty value goes to `_by_pandas`.
_ISO = (
    r"^((?:19|20|21)[0-9]{2})-([0-9]{2})-([0-9]{2})"
    r"(?:[T ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:\.([0-9]{1,6}))?)?"
    r"(Z|[+-](?:0[0-9]|1[0-4]):?[0-5][0-9])?)?$"
)
_INTEGER = r"^[+-]?[0-9]{1,15}$"
_NUMBER = r"^[+-]?(?:[0-9]{1,15}(?:\.[0-9]*)?|\.[0-9]{1,15})$"
# The regular expressions of Python's strptime (pandas uses the same) for the feedback date formats.
_STRPTIME = {"%m": "(1[0-2]|0[1-9]|[1-9])", "%d": "(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])", "%y": "([0-9]{2})"}


def _iso_timestamp(text: pl.Expr) -> pl.Expr:
    parts = text.str.extract_groups(_ISO)
    part = parts.struct.field
    day = pl.concat_str(part("1"), part("2"), part("3"), separator="-").str.to_date("%Y-%m-%d", strict=False)
    micros = part("7").str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
    seconds = (
        part("4").cast(pl.Int64).fill_null(0) * 3600
        + part("5").cast(pl.Int64).fill_null(0) * 60
        + part("6").cast(pl.Int64).fill_null(0)
    )
    offset = part("8").replace("Z", "+00:00").str.replace(":", "")
    offset_minutes = (offset.str.slice(1, 2).cast(pl.Int64) * 60 + offset.str.slice(3, 2).cast(pl.Int64)).fill_null(
        0
    ) * pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    local = day.cast(pl.Datetime("us")) + pl.duration(seconds=seconds, microseconds=micros)
    return local - pl.duration(minutes=offset_minutes)


def _iso_usual(text: pl.Expr) -> pl.Expr:
    """The shapes exports write (2026-03-04T10:00:00Z, 2026-03-04T10:00:00-05:00) by strptime; else null.

    Only for values `_ISO` matches, where it reads what `_iso_timestamp` reads, at a fraction of the cost
    (%#z: Z, +hh:mm or +hhmm).
    """
    parsed = text.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_unit="us", strict=False)
    return parsed.dt.convert_time_zone("UTC").dt.replace_time_zone(None)


def _marketplace_date(text: pl.Expr, fmt: str) -> pl.Expr:
    """`fmt` (e.g. %d.%m.%y) read as Python's strptime reads it: two-digit years 69-99 are 19xx."""
    order = [fmt[i + 1] for i in range(len(fmt)) if fmt[i] == "%"]
    parts = text.str.extract_groups(_date_pattern(fmt))
    value = {name: parts.struct.field(str(n)).str.strip_chars(" ").cast(pl.Int64) for n, name in enumerate(order, 1)}
    year = pl.when(value["y"] <= 68).then(value["y"] + 2000).otherwise(value["y"] + 1900)
    iso = pl.format(
        "{}-{}-{}",
        year,
        value["m"].cast(pl.String).str.zfill(2),
        value["d"].cast(pl.String).str.zfill(2),
    )
    return iso.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us"))


def _by_pandas(values: list[str], kind: str, fmt: str | None) -> list:
    """Values of an unusual shape, typed by pandas' parsers as before; None where they do not parse."""
    series = pd.Series(values, dtype="object")
    if kind == TIMESTAMP:
        parsed = pd.to_datetime(series, format="ISO8601", utc=True, errors="coerce")
        parsed = parsed.dt.tz_convert(None).astype("datetime64[us]")
    elif kind == MARKETPLACE_DATE:
        parsed = pd.to_datetime(series, format=fmt, errors="coerce").astype("datetime64[us]")
    else:
        parsed = pd.to_numeric(series, errors="coerce")
        if kind == INTEGER:
            whole = parsed.where(parsed.isna() | (parsed == parsed.round()))
            parsed = whole.astype("Int64")
        else:
            parsed = parsed.astype("float64")
    out = []
    for value in parsed.tolist():
        if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
            out.append(None)
        elif isinstance(value, pd.Timestamp):
            out.append(value.to_pydatetime())
        else:
            out.append(value)
    return out


def _type_column(text: pl.DataFrame, col: ContractColumn, formats: dict[str, str]) -> pl.Series:
    """One column typed: column expressions for the usual shapes, `_by_pandas` for the rest."""
    values = pl.col(col.name)
    if col.parse == MARKETPLACE_DATE:
        typed = pl.lit(None, dtype=pl.Datetime("us"))
        usual = pl.lit(False)
        for marketplace_id, fmt in formats.items():
            mine = pl.col("_marketplace_id") == marketplace_id
            typed = pl.when(mine).then(_marketplace_date(values, fmt)).otherwise(typed)
            usual = pl.when(mine).then(values.str.contains(_date_pattern(fmt))).otherwise(usual)
    else:
        regex = {TIMESTAMP: _ISO, INTEGER: _INTEGER, DECIMAL: _NUMBER}[col.parse]
        usual = values.str.contains(regex)
        if col.parse == TIMESTAMP:
            typed = pl.when(usual).then(_iso_usual(values))
        else:
            typed = pl.when(usual).then(values.cast(_DTYPE[col.parse], strict=False))
    result = text.select(typed.alias(col.name), (values.is_not_null() & ~usual.fill_null(False)).alias("other"))
    series = result[col.name].cast(_DTYPE[col.parse])
    if col.parse == TIMESTAMP:
        # ISO values of a shape `_iso_usual` does not take (no seconds, a fraction, a space): by parts.
        rest = (series.is_null() & text[col.name].is_not_null() & ~result["other"]).arg_true()
        if rest.len():
            parts = text.select(pl.col(col.name).gather(rest)).select(_iso_timestamp(pl.col(col.name)))
            series = series.scatter(rest, parts.to_series())
    if result["other"].any():
        at = result["other"].arg_true()
        unusual = text[col.name].gather(at).to_list()
        markets = text["_marketplace_id"].gather(at).to_list()
        parsed: list = [None] * len(unusual)
        for marketplace_id in set(markets):
            mine = [i for i, m in enumerate(markets) if m == marketplace_id]
            fmt = formats.get(marketplace_id)
            for i, value in zip(mine, _by_pandas([unusual[i] for i in mine], col.parse, fmt), strict=True):
                parsed[i] = value
        series = series.scatter(at, pl.Series(parsed, dtype=_DTYPE[col.parse]))
    return series


def _date_pattern(fmt: str) -> str:
    pattern = "^"
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            pattern += _STRPTIME[fmt[i : i + 2]]
            i += 2
        else:
            pattern += "\\" + fmt[i] if not fmt[i].isalnum() else fmt[i]
            i += 1
    return pattern + "$"


def _typed(text: pl.DataFrame, columns: list[ContractColumn], formats: dict[str, str]) -> tuple[pl.DataFrame, list]:
    """Parse every column by its kind; values that do not parse become failures (value kept)."""
    out = []
    failures = []
    for col in columns:
        if col.parse not in _DTYPE:
            out.append(text[col.name])
            continue
        typed = _type_column(text, col, formats)
        bad = (text[col.name].is_not_null() & typed.is_null()).arg_true()
        for idx, value in zip(bad.to_list(), text[col.name].gather(bad).to_list(), strict=True):
            failures.append((idx, col, f"parse_{col.parse}", value, f"is not {_EXPECTED[col.parse]}"))
        out.append(typed)
    return pl.DataFrame(out), failures


def _value_text(value) -> str | None:
    """A typed value as the rejection's text (as pandas printed it: 5, 5.0, 2026-03-04 10:00:00)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return str(pd.Timestamp(value))
    return str(value)


def _contract_failures(frame: pl.DataFrame, rows: pl.Series, export: str, columns: list[ContractColumn]) -> list:
    """Run the Pandera contract; (row, column, check, value, message) per failing cell."""
    by_name = {c.name: c for c in columns}
    if frame.height == 0:
        return []  # nothing to check
    try:
        CONTRACTS[export].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = []
        for case in exc.failure_cases.iter_rows(named=True):
            if case["index"] is None:
                # A column-level failure (its type) cannot be pinned on a row: a bug in reading, not data.
                raise RuntimeError(f"contract {export}: column {case['column']} fails {case['check']}") from exc
            index = case["index"]
            value = _value_text(frame[case["column"]][index]) if case["column"] in frame.columns else None
            check = str(case["check"])
            failures.append(
                (rows[index], by_name.get(case["column"]), check, value, f"fails the contract check {check}")
            )
        return failures
    return []


def check_files(export: str, files: list[TextFile]) -> list[ParsedFile]:
    """Second phase, for many files of one export at once: type, run the contract, set bad rows aside.

    Checking a batch in one frame keeps the fixed cost of a Pandera run per batch, not per file.
    """
    columns = contract_columns(CONTRACTS[export])
    results = [
        ParsedFile(
            table=pl.DataFrame(),
            rows_read=f.rows_read,
            rejections=list(f.rejections),
            encoding=f.encoding,
            warnings=list(f.warnings),
        )
        for f in files
    ]
    if files:
        # One chunk per column: a frame whose columns are chunked differently is copied whole by every select.
        text = pl.concat([f.text for f in files], how="vertical", rechunk=True)
        file_of = pl.Series("_file", [i for i, f in enumerate(files) for _ in range(f.text.height)], dtype=pl.Int32)
        line_of = pl.concat([f.lines.cast(pl.Int64) for f in files])
    else:
        text, file_of, line_of = _empty_text(columns), pl.Series("_file", [], pl.Int32), pl.Series([], dtype=pl.Int64)
    markets = [f.key.marketplace_id for f in files]
    text = text.with_columns(_marketplace_id=pl.Series([markets[i] for i in file_of.to_list()], dtype=pl.String))
    formats = {m: MARKETPLACES[m].feedback_date_format for m in set(markets)}

    typed, failures = _typed(text, columns, formats)
    failed = {idx for idx, *_ in failures}
    rows = pl.Series("_row", range(typed.height), dtype=pl.Int64)
    keep = ~rows.is_in(list(failed)) if failed else pl.Series([True] * typed.height, dtype=pl.Boolean)
    failures += _contract_failures(typed.filter(keep), rows.filter(keep), export, columns)
    for idx, col, check, value, message in failures:
        header = col.header if col else None
        results[file_of[idx]].rejections.append(
            Rejection(int(line_of[idx]), header, check, value, f"{value!r} {message}")
        )
    failed |= {idx for idx, *_ in failures}
    keep = ~rows.is_in(list(failed)) if failed else pl.Series([True] * typed.height, dtype=pl.Boolean)
    good = typed.with_columns(_line_number=line_of.cast(pl.Int32), _file=file_of).filter(keep)
    good = good.select("_line_number", *[c.name for c in columns], "_file")
    by_file = good.partition_by("_file", as_dict=True, include_key=False, maintain_order=True)
    empty = good.clear().drop("_file")
    for i, result in enumerate(results):
        result.table = by_file.get((i,), empty)
        result.rejections.sort(key=lambda r: (r.line_number or 0, r.column or ""))
    return results


def parse_export_file(key: ExportKey, body: bytes) -> ParsedFile:
    """Read and check one export file. Raises `FileRejected` when the file as a whole cannot be loaded."""
    return check_files(key.export, [read_file(key, body)])[0]
