"""The reader as it was before the columnar one (pandas, row-wise typing): the regression test's reference.

tests/robustness/test_reader_regression.py checks that pipelines.lib.parsing gives exactly the rows and
rejections this one gives. It is a copy of the pandas reader, kept only for that comparison; its
contracts are the same Pandera fields (data_contracts), rebuilt as Pandera pandas schemas.

What follows is the original module description.

Reading one export file: bytes in, a checked frame plus the rows kept aside out.

No Dagster, S3 or DuckDB here, so every rule about file contents (README "The S3 layout",
docs/robustness.md) is unit tested on its own: gzip, encodings (UTF-8 with or without BOM, Windows-1252 fallback), CRLF,
header matching (trimmed, case-insensitive, any order, extra columns dropped), field counts,
typed parsing (timestamps with offsets to naive UTC, marketplace date formats, numbers) and the
Pandera contract. A problem with the whole file raises `FileRejected`; a problem with a row keeps
the row aside as a `Rejection` and the other rows still load.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from data_contracts import CONTRACTS, ContractColumn, contract_columns
from data_contracts._base import DECIMAL, INTEGER, MARKETPLACE_DATE, TIMESTAMP
from pipelines.lib.account_health import flatten_account_health
from pipelines.lib.layout import MARKETPLACES, ExportKey

_PANDAS_DTYPE = {TIMESTAMP: pd.Timestamp, MARKETPLACE_DATE: pd.Timestamp, INTEGER: "Int64", DECIMAL: float}


def _pandas_schema(export: str) -> pa.DataFrameSchema:
    """The export's contract (a Pandera Polars model) as the Pandera pandas schema the old reader ran."""
    polars_columns = CONTRACTS[export].to_schema().columns
    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                _PANDAS_DTYPE.get(c.parse, str),
                checks=polars_columns[c.name].checks,
                nullable=polars_columns[c.name].nullable,
            )
            for c in contract_columns(CONTRACTS[export])
        },
        strict=False,
        coerce=False,
    )


_GZIP_MAGIC = b"\x1f\x8b"


class FileRejected(ValueError):
    """The whole file cannot be loaded; the message names the file and the cause."""

    def __init__(self, key: str, check: str, message: str, column: str | None = None, rows_read: int = 0):
        super().__init__(f"{key}: {message}")
        self.check = check
        self.column = column
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
    frame: pd.DataFrame  # contract columns, typed, plus `_line_number`
    rows_read: int
    rejections: list[Rejection] = field(default_factory=list)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - len(self.frame)


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


def _to_timestamp(values: pd.Series) -> pd.Series:
    # format="ISO8601" accepts offsets and Z; utc=True converts them, and reads a bare time as UTC.
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    return parsed.dt.tz_convert(None).astype("datetime64[us]")


def _to_marketplace_date(values: pd.Series, marketplace_ids: pd.Series) -> pd.Series:
    """Each value in the short date format of its own file's marketplace."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for marketplace_id, rows in values.groupby(marketplace_ids, sort=False):
        fmt = MARKETPLACES[marketplace_id].feedback_date_format
        out.loc[rows.index] = pd.to_datetime(rows, format=fmt, errors="coerce").astype("datetime64[us]")
    return out


def _to_integer(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    whole = numbers.where(numbers.isna() | (numbers == numbers.round()))
    return whole.astype("Int64")


_EXPECTED = {
    TIMESTAMP: "an ISO-8601 timestamp",
    MARKETPLACE_DATE: "a date in the marketplace's format",
    INTEGER: "a whole number",
    DECIMAL: "a number",
}


@dataclass
class TextFile:
    """A file read and split into the contract's columns, still as text: the first phase of a read."""

    key: ExportKey
    text: pd.DataFrame  # one object column per contract column, None for empty
    lines: list[int]  # physical line of each row of `text`
    rows_read: int
    rejections: list[Rejection]
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)


_EDGE_SPACE = re.compile(r"(^|\t)\s|\s(\t|$)", re.MULTILINE)


def _text_frame(columns: list[ContractColumn], values: dict[str, list], dtype: str = "object") -> pd.DataFrame:
    n = len(next(iter(values.values()))) if values else 0
    return pd.DataFrame({c.name: pd.Series(values.get(c.name, [None] * n), dtype=dtype) for c in columns})


def _read_tsv(key: ExportKey, text: str, columns: list[ContractColumn]) -> TextFile:
    """Split lines in Python (for line numbers and field counts), fields with pandas' C reader (for speed).

    Flat files are not quoted: a quote is an ordinary character. Blank lines are not rows.
    """
    numbered = [(n, line.removesuffix("\r")) for n, line in enumerate(text.split("\n"), start=1)]
    numbered = [(n, line) for n, line in numbered if line.strip()]
    if not numbered:
        raise FileRejected(key.key, "empty_file", "the file is empty (no header row)")
    header_line, header_text = numbered[0]
    header = header_text.split("\t")
    found, missing = match_header(header, columns)
    data = numbered[1:]
    if missing:
        more = f" (and {', '.join(missing[1:])})" if missing[1:] else ""
        raise FileRejected(
            key.key,
            "required_column",
            f"line {header_line}: missing required column {missing[0]!r}{more} in the header",
            column=missing[0],
            rows_read=len(data),
        )
    width = len(header)
    rejections: list[Rejection] = []
    lines: list[int] = []
    kept: list[str] = []
    for number, line in data:
        tabs = line.count("\t")
        if tabs == width - 1:
            lines.append(number)
            kept.append(line)
        else:
            rejections.append(
                Rejection(
                    number,
                    None,
                    "field_count",
                    str(tabs + 1),
                    f"the line has {tabs + 1} fields, the header has {width}",
                )
            )
    values: dict[str, pd.Series] = {}
    if kept:
        joined = "\n".join(kept)
        # Stripping is per value in Python: only pay for it when some field has edge spaces.
        padded = _EDGE_SPACE.search(joined) is not None
        positions = sorted(set(found.values()))
        fields = pd.read_csv(
            io.StringIO(joined),
            sep="\t",
            header=None,
            names=range(width),
            usecols=positions,
            dtype="str",
            quoting=csv.QUOTE_NONE,
            na_filter=False,
            keep_default_na=False,
            # Rows end at LF only, as the lines above were split: a lone CR (pasted titles carry
            # them) stays inside its field instead of starting a row the line list does not have.
            lineterminator="\n",
            skip_blank_lines=False,
            engine="c",
        )
        if len(fields) != len(kept):
            raise FileRejected(
                key.key,
                "field_split",
                f"the {len(kept)} data lines split into {len(fields)} rows (a control character in a field?)",
                rows_read=len(data),
            )
        for name, position in found.items():
            column = fields[position].str.strip() if padded else fields[position]
            values[name] = column.where(column != "", None)
    frame = pd.DataFrame(
        {c.name: values[c.name] if c.name in values else pd.Series([None] * len(kept), dtype="str") for c in columns}
    )
    return TextFile(key, frame, lines, len(data), rejections)


def _read_json(key: ExportKey, text: str, columns: list[ContractColumn]) -> TextFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            key.key, "json", f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from exc
    try:
        records, warnings = flatten_account_health(document)
    except ValueError as exc:
        raise FileRejected(key.key, "json_shape", str(exc)) from exc
    values = {c.name: [r.get(c.name) for r in records] for c in columns}
    # A JSON document has no rows of its own: the flattened records are numbered 1..n.
    return TextFile(
        key, _text_frame(columns, values), list(range(1, len(records) + 1)), len(records), [], warnings=warnings
    )


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


def _typed(text: pd.DataFrame, columns: list[ContractColumn]) -> tuple[pd.DataFrame, list]:
    """Parse every column by its kind; values that do not parse become failures (value kept)."""
    out = {}
    failures = []
    for col in columns:
        values = text[col.name]
        if col.parse == TIMESTAMP:
            parsed = _to_timestamp(values)
        elif col.parse == MARKETPLACE_DATE:
            parsed = _to_marketplace_date(values, text["_marketplace_id"])
        elif col.parse == INTEGER:
            parsed = _to_integer(values)
        elif col.parse == DECIMAL:
            parsed = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[col.name] = values
            continue
        bad = values.notna() & parsed.isna()
        for idx in values.index[bad]:
            failures.append((idx, col, f"parse_{col.parse}", str(values[idx]), f"is not {_EXPECTED[col.parse]}"))
        out[col.name] = parsed
    return pd.DataFrame(out, index=text.index), failures


def _contract_failures(frame: pd.DataFrame, export: str, columns: list[ContractColumn]) -> list:
    """Run the Pandera contract; (row index, column, check, value, message) per failing cell."""
    by_name = {c.name: c for c in columns}
    if frame.empty:
        return []  # nothing to check, and an empty text column has no type to check
    try:
        _pandas_schema(export).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = []
        for case in exc.failure_cases.itertuples(index=False):
            if pd.isna(case.index):
                # A column-level failure (its type) cannot be pinned on a row: a bug in reading, not data.
                raise RuntimeError(f"contract {export}: column {case.column} fails {case.check}") from exc
            value = None if pd.isna(case.failure_case) else str(case.failure_case)
            failures.append(
                (
                    int(case.index),
                    by_name.get(case.column),
                    str(case.check),
                    value,
                    f"fails the contract check {case.check}",
                )
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
            frame=pd.DataFrame(),
            rows_read=f.rows_read,
            rejections=list(f.rejections),
            encoding=f.encoding,
            warnings=list(f.warnings),
        )
        for f in files
    ]
    text = pd.concat([f.text for f in files], ignore_index=True) if files else _text_frame(columns, {})
    file_of = np.repeat(np.arange(len(files)), [len(f.text) for f in files])
    line_of = np.concatenate([np.asarray(f.lines, dtype="int64") for f in files]) if files else np.array([])
    text["_marketplace_id"] = [files[i].key.marketplace_id for i in file_of]

    typed, failures = _typed(text, columns)
    failed = {idx for idx, *_ in failures}
    failures += _contract_failures(typed.drop(index=list(failed)), export, columns)
    for idx, col, check, value, message in sorted(failures, key=lambda f: (f[0], f[1].name if f[1] else "")):
        header = col.header if col else None
        results[file_of[idx]].rejections.append(
            Rejection(int(line_of[idx]), header, check, value, f"{value!r} {message}")
        )
    failed |= {idx for idx, *_ in failures}
    good = typed.drop(index=list(failed))
    good.insert(0, "_line_number", line_of[good.index].astype("int32"))
    good_file = file_of[good.index]
    for i, result in enumerate(results):
        result.frame = good[good_file == i].reset_index(drop=True)
        result.rejections.sort(key=lambda r: (r.line_number or 0, r.column or ""))
    return results


def parse_export_file(key: ExportKey, body: bytes) -> ParsedFile:
    """Read and check one export file. Raises `FileRejected` when the file as a whole cannot be loaded."""
    return check_files(key.export, [read_file(key, body)])[0]
