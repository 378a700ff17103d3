"""The columnar reader gives exactly what the pandas reader gave: same rows, same values, same rejections.

Inputs: every export of a generated history (2 sellers x 2 marketplaces, 100 orders a day, with the
generator's file quirks: gzip, BOM, CRLF, Windows-1252, shuffled and drifted headers, German dates),
the bad-input catalogue (tests/robustness/test_bad_input.py) and the fuzzed files of test_fuzz.py.
Each file goes through both readers as the loader calls them (read, then checked in batches of
the loader's size); the outcome compared per file is: the rejection of the whole file (check,
column, reason, rows read), or rows read, encoding, warnings, every rejection (line, column, check,
value, message) and a content hash of the loaded rows (every value, typed, in order).

`make test` reads 45 days (SELLERHEALTH_REGRESSION_DAYS), `make robustness` a year (366).
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import defaultdict
from datetime import date, timedelta

import pandas as pd

from pipelines.defs.ingest.loader import BATCH_FILES
from pipelines.lib import parsing
from pipelines.lib.layout import ExportKey, parse_key
from pipelines.synthetic import generate_exports
from tests import reference_reader
from tests.robustness.test_bad_input import CASES as CATALOGUE
from tests.robustness.test_fuzz import CASES as FUZZ_CASES
from tests.robustness.test_fuzz import SEED, _cases

DAYS = int(os.environ.get("SELLERHEALTH_REGRESSION_DAYS", "45"))
LAST = date(2026, 3, 31)


def _cell(value):
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    return value


def _content(frame: pd.DataFrame) -> tuple[int, list[str], str]:
    """Rows, columns and a hash of every value (missing values as None, timestamps as ISO text)."""
    digest = hashlib.sha256()
    columns = list(frame.columns)
    for name in columns:
        digest.update(repr((name, [_cell(v) for v in frame[name].tolist()])).encode())
    return len(frame), columns, digest.hexdigest()


def _outcomes(reader, files: list[tuple[ExportKey, bytes]]) -> dict[str, tuple]:
    """Each file's outcome, read and then checked in batches per export, as the loader does."""
    out: dict[str, tuple] = {}
    read_ok: dict[str, list] = defaultdict(list)
    for key, body in files:
        try:
            read_ok[key.export].append(reader.read_file(key, body))
        except reader.FileRejected as exc:
            out[key.key] = ("rejected", exc.check, exc.column, exc.reason, exc.rows_read)
    for export, texts in read_ok.items():
        for start in range(0, len(texts), BATCH_FILES):
            batch = texts[start : start + BATCH_FILES]
            try:
                checked = reader.check_files(export, batch)
            except Exception:  # the loader then checks each file alone
                checked = []
                for text in batch:
                    try:
                        checked.append(reader.check_files(export, [text])[0])
                    except Exception as exc:
                        checked.append(exc)
            for text, parsed in zip(batch, checked, strict=True):
                if isinstance(parsed, Exception):
                    out[text.key.key] = ("failed", type(parsed).__name__)
                    continue
                out[text.key.key] = (
                    "read",
                    parsed.rows_read,
                    parsed.encoding,
                    tuple(parsed.warnings),
                    tuple((r.line_number, r.column, r.check, r.value, r.message) for r in parsed.rejections),
                    _content(parsed.frame),
                )
    return out


def _inputs() -> list[tuple[ExportKey, bytes]]:
    files = [
        (parse_key(f.key), f.body)
        for f in generate_exports(LAST - timedelta(days=DAYS - 1), LAST, sellers=2, orders_per_day=100)
    ]
    for n, case in enumerate(CATALOGUE):
        for f in case.files:
            try:
                key = parse_key(f.key(f"A2CASE{n}X"))
            except ValueError:
                continue  # keys outside the layout never reach the reader
            files.append((key, f.body))
    for i, key, body, _how in _cases(FUZZ_CASES, SEED):
        files.append((parse_key(key.replace("seller_id=", f"seller_id=F{i}", 1)), body))
    return files


def test_the_columnar_reader_gives_exactly_what_the_pandas_reader_gave():
    files = _inputs()
    new = _outcomes(parsing, files)
    old = _outcomes(reference_reader, files)
    assert new.keys() == old.keys()
    differing = [key for key in old if new[key] != old[key]]
    assert differing == [], "\n".join(f"{k}\n  old {old[k]}\n  new {new[k]}" for k in differing[:5])
    # The comparison saw real work: rows loaded, rows kept aside and whole files rejected.
    loaded = sum(o[5][0] for o in old.values() if o[0] == "read")
    kept_aside = sum(len(o[4]) for o in old.values() if o[0] == "read")
    rejected_files = sum(o[0] == "rejected" for o in old.values())
    assert loaded > DAYS * 4 * 100 and kept_aside > 0 and rejected_files > 0
