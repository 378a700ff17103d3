"""One list of exports: the contracts' registry (data_contracts.CONTRACTS). Every other copy is
derived from it (pipelines.lib.layout.EXPORTS) or checked here, so a copy that drifts fails with
the export's name.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from data_contracts import CONTRACTS, contract_columns
from pipelines.lib.layout import EXPORTS

DBT = Path(__file__).resolve().parents[2] / "dbt_project"
BOOKKEEPING = {"ingested_files"}  # a raw table of the ingestion, not an export


def test_layout_exports_are_the_registry_in_its_order():
    assert EXPORTS == tuple(CONTRACTS)


def test_every_export_is_a_raw_source_and_back():
    sources = yaml.safe_load((DBT / "models" / "staging" / "_sources.yml").read_text())["sources"]
    (raw,) = [s for s in sources if s["name"] == "raw"]
    assert {t["name"] for t in raw["tables"]} - BOOKKEEPING == set(CONTRACTS)


def test_loaded_days_count_every_export():
    text = (DBT / "models" / "staging" / "exports" / "stg_exports__loaded_days.sql").read_text()
    listed = re.search(r"set exports = (\[.*?\])", text, re.S).group(1)
    assert ast.literal_eval(listed) == list(CONTRACTS)


def test_order_events_watch_exports_of_the_registry_by_their_columns():
    text = (DBT / "models" / "intermediate" / "events" / "int_order_events.sql").read_text()
    watched = [ast.literal_eval(item) for item in re.findall(r"\{'export': .*?\}", text)]
    assert watched, "int_order_events.sql lists no export"
    for item in watched:
        assert item["export"] in CONTRACTS, item
        columns = {c.name for c in contract_columns(CONTRACTS[item["export"]])}
        assert set(item["record_key"]) <= columns, item
    # every export with an order id changes the order events; account health and surveys do not
    assert {i["export"] for i in watched} == set(CONTRACTS) - {"account_health", "cs_surveys"}


def test_every_raw_source_is_read_by_a_known_name():
    used = set()
    for path in (DBT / "models").rglob("*.sql"):
        used |= set(re.findall(r"source\('raw', '([a-z_]+)'\)", path.read_text()))
    assert used - BOOKKEEPING <= set(CONTRACTS)
