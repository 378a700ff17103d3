"""Fuzzing the reader: real and generated export files, mutated at random, each read as a night would.

Every mutation (random bytes inserted, deleted or flipped; a field split by CR, LF, NUL or tab;
truncation; a CR, NUL or tab inside a field; a very long field; invalid UTF-8) goes through the
reader exactly as the loader calls it (`read_file`, then `check_files` on a batch). The promises:

- nothing but `FileRejected` ever leaves a file's own handling;
- for every file, rows read = rows loaded + rows kept aside, and each row kept aside is named by
  its line (distinct lines kept aside = rows kept aside);
- a batch of mutated files checked together gives each file the outcome it has alone.

`make test` runs a seeded subset (FUZZ_CASES, default 300); `make robustness` the whole set
(SELLERHEALTH_FUZZ_CASES=3000). A failure prints the seed and the mutation to replay it.
"""

from __future__ import annotations

import gzip
import os
import random
from dataclasses import dataclass
from datetime import date

import pytest

from pipelines.defs.ingest.loader import ingest_export
from pipelines.lib.layout import parse_key
from pipelines.lib.parsing import FileRejected, ParsedFile, check_files, read_file
from pipelines.resources import S3Exports, Warehouse
from pipelines.synthetic import generate_exports
from tests.conftest import REAL_FIXTURES
from tests.robustness.stats import record_case

CASES = int(os.environ.get("SELLERHEALTH_FUZZ_CASES", "300"))
SEED = int(os.environ.get("SELLERHEALTH_FUZZ_SEED", "20261202"))
US = "ATVPDKIKX0DER"


@dataclass(frozen=True)
class Source:
    key: str
    body: bytes


def _sources() -> list[Source]:
    real = [
        Source(
            f"orders/seller_id=A2REAL1X/marketplace_id={US}/dt=2018-01-09/all_orders.tsv",
            (REAL_FIXTURES / "all_orders_pomina_2018" / "all_orders.tsv").read_bytes(),
        ),
        Source(
            f"feedback/seller_id=A2REAL1X/marketplace_id={US}/dt=2011-07-03/feedback.tsv",
            (REAL_FIXTURES / "feedback_2011" / "feedback.tsv").read_bytes(),
        ),
        Source(
            f"account_health/seller_id=A2REAL1X/marketplace_id={US}/dt=2026-03-02/report.json",
            (REAL_FIXTURES / "amazon_official_examples" / "GET_V2_SELLER_PERFORMANCE_REPORT.example.json").read_bytes(),
        ),
    ]
    generated = [
        Source(f.key, f.body)
        for f in generate_exports(
            date(2026, 3, 2), date(2026, 3, 3), sellers=1, orders_per_day=12, marketplaces=(US,), prefix=""
        )
    ]
    # Every export of the generator (gzip ones decompressed, so mutations hit the text), first day first.
    seen: set[str] = set()
    picked = []
    for source in generated:
        export = source.key.split("/", 1)[0]
        if export in seen or len(source.body) < 40:
            continue
        seen.add(export)
        body = gzip.decompress(source.body) if source.key.endswith(".gz") else source.body
        picked.append(Source(source.key.removesuffix(".gz"), body))
    return real + picked


SOURCES = _sources()
_SPECIAL = [b"\r", b"\n", b"\x00", b"\t", b"\r\n", b'"', b"\xff", b"\xc3", b"\xe2\x82", b"\xef\xbb\xbf"]


def mutate(body: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One random mutation of `body` and its description."""
    kind = rng.choice(
        ["insert", "delete", "flip", "split", "truncate", "special_in_field", "long_field", "many", "gzip_cut"]
    )
    n = len(body)
    at = rng.randrange(n + 1)
    if kind == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return body[:at] + junk + body[at:], f"insert {junk!r} at {at}"
    if kind == "delete":
        length = rng.randint(1, 16)
        return body[:at] + body[at + length :], f"delete {length} bytes at {at}"
    if kind == "flip":
        if not n:
            return body, "flip (empty)"
        at = min(at, n - 1)
        bit = 1 << rng.randrange(8)
        return body[:at] + bytes([body[at] ^ bit]) + body[at + 1 :], f"flip bit {bit} at {at}"
    if kind == "split":
        sep = rng.choice([b"\r", b"\n", b"\x00", b"\t"])
        return body[:at] + sep + body[at:], f"split by {sep!r} at {at}"
    if kind == "truncate":
        return body[:at], f"truncate at {at}"
    if kind == "special_in_field":
        # Inside a field: just after a tab, so the byte lands in a value rather than between rows.
        tabs = [i for i, b in enumerate(body) if b == 9]
        where = rng.choice(tabs) + 1 if tabs else at
        special = rng.choice(_SPECIAL)
        return body[:where] + special + body[where:], f"{special!r} inside a field at {where}"
    if kind == "long_field":
        tabs = [i for i, b in enumerate(body) if b == 9]
        where = rng.choice(tabs) + 1 if tabs else at
        return body[:where] + b"y" * 200_000 + body[where:], f"200 kB field at {where}"
    if kind == "gzip_cut":
        packed = gzip.compress(body)
        return packed[: rng.randrange(len(packed) + 1)], "gzip, cut"
    out, steps = body, []
    for _ in range(rng.randint(2, 6)):
        out, step = mutate(out, rng)
        steps.append(step)
    return out, " + ".join(steps)


def _cases(count: int, seed: int):
    rng = random.Random(seed)
    for i in range(count):
        source = SOURCES[i % len(SOURCES)]
        body, how = mutate(source.body, rng)
        key = source.key + ".gz" if how == "gzip, cut" else source.key
        yield i, key, body, how


def read_alone(key: str, body: bytes) -> ParsedFile | FileRejected:
    """The loader's handling of one file; an exception other than FileRejected fails the test."""
    parsed_key = parse_key(key)
    try:
        text = read_file(parsed_key, body)
    except FileRejected as exc:
        return exc
    return check_files(parsed_key.export, [text])[0]


def _assert_accounted(outcome: ParsedFile | FileRejected, context: str) -> tuple[int, int, int]:
    if isinstance(outcome, FileRejected):
        assert outcome.rows_read >= 0, context
        return outcome.rows_read, 0, outcome.rows_read
    loaded, rejected = len(outcome.frame), outcome.rows_rejected
    assert outcome.rows_read == loaded + rejected, context
    assert rejected >= 0, context
    lines_kept_aside = {r.line_number for r in outcome.rejections}
    assert len(lines_kept_aside) == rejected, f"{context}: {len(lines_kept_aside)} lines named, {rejected} rejected"
    assert None not in lines_kept_aside, context
    if loaded:
        assert set(outcome.frame["_line_number"]).isdisjoint(lines_kept_aside), context
    return outcome.rows_read, loaded, rejected


def test_every_mutation_is_loaded_or_kept_aside_never_an_exception():
    totals = [0, 0, 0]
    outcomes = {"loaded": 0, "rows kept aside": 0, "file rejected": 0}
    for i, key, body, how in _cases(CASES, SEED):
        context = f"case {i} (seed {SEED}): {key}: {how}"
        try:
            outcome = read_alone(key, body)
        except Exception as exc:  # the property under test: nothing else escapes
            pytest.fail(f"{context}: {type(exc).__name__}: {exc}")
        read, loaded, rejected = _assert_accounted(outcome, context)
        totals = [totals[0] + read, totals[1] + loaded, totals[2] + rejected]
        kind = (
            "file rejected"
            if isinstance(outcome, FileRejected)
            else "rows kept aside"
            if outcome.rejections
            else "loaded"
        )
        outcomes[kind] += 1
        record_case(read, read, loaded, rejected)
    # The mutations reach every outcome: a fuzzer that only ever rejected whole files would prove little.
    assert all(outcomes.values()), outcomes
    assert totals[0] == totals[1] + totals[2]


def test_a_batch_of_mutations_gives_each_file_its_own_outcome():
    """check_files on many files at once (as the loader batches them) = each file alone."""
    cases = list(_cases(min(CASES, 120), SEED + 1))
    by_export: dict[str, list] = {}
    for i, key, body, how in cases:
        parsed_key = parse_key(key)
        try:
            text = read_file(parsed_key, body)
        except FileRejected:
            continue
        by_export.setdefault(parsed_key.export, []).append((i, key, body, how, text))
    checked_files = 0
    for export, items in by_export.items():
        together = check_files(export, [text for *_, text in items])
        for (i, key, body, how, _), batch_result in zip(items, together, strict=True):
            alone = read_alone(key, body)
            context = f"case {i} (seed {SEED + 1}): {key}: {how}"
            assert isinstance(alone, ParsedFile), context
            assert (len(batch_result.frame), batch_result.rows_rejected) == (len(alone.frame), alone.rows_rejected), (
                context
            )
            checked_files += 1
    assert checked_files > 10


def test_mutated_files_through_s3_load_beside_the_good_ones(bucket, warehouse_path):
    """Forty mutated orders files and one good file in a real bucket: the load never fails, counts reconcile."""
    rng = random.Random(SEED + 2)
    orders = next(s for s in SOURCES if s.key.startswith("orders/") and "A2REAL1X" not in s.key)
    dt = orders.key.split("dt=")[1][:10]
    base = orders.key.split("/dt=")[0]
    good_key = bucket.put(f"{base}/dt={dt}/part-good.tsv", orders.body)
    for n in range(40):
        body, _ = mutate(orders.body, rng)
        bucket.put(f"{base}/dt={dt}/part-{n:04d}.tsv", body)
    day = date.fromisoformat(dt)
    with Warehouse().connect() as con:
        summary = ingest_export("orders", day, day, S3Exports(), con)
        assert summary.files == 41 and summary.reconciles
        read, loaded, rejected = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw.ingested_files"
        ).fetchone()
        (in_table,) = con.execute("select count(*) from raw.orders").fetchone()
        (good_rows,) = con.execute("select count(*) from raw.orders where _source_key = ?", [good_key]).fetchone()
    assert read == loaded + rejected and loaded == in_table
    good_lines = sum(1 for line in orders.body.decode().split("\n")[1:] if line.strip())
    assert good_rows == good_lines > 0
