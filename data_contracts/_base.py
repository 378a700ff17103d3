"""What every export contract is built from: a Pandera field that also knows its export header.

A contract is a `pandera.polars.DataFrameModel` (Pandera's Polars backend: the checks run on the
columnar frame the reader builds, not row by row) whose attributes are the warehouse column names and whose
fields carry, in `metadata`, the header the column has in the export file, its aliases in older or
drifted files, whether the file must have it, and how its text is parsed (`parse`). Columns of a
file that no contract field names (buyer e-mails, names, addresses, free text) are dropped on read,
so they never reach the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandera.polars as pa
import polars as pl

# How a column's text becomes a value (`pipelines.lib.parsing` implements each). It follows from the
# field's type, except for MARKETPLACE_DATE, which a field names with `parse=`.
TEXT = "text"  # Text
TIMESTAMP = "timestamp"  # Timestamp: ISO-8601 with offset or Z, no offset = UTC; naive UTC
INTEGER = "integer"  # Integer
DECIMAL = "decimal"  # Decimal
MARKETPLACE_DATE = "marketplace_date"  # the feedback `Date`, in the marketplace's own short format

# The column types of the contracts (Polars dtypes): timestamps are naive UTC in microseconds.
Text = pl.String
Timestamp = pl.Datetime(time_unit="us")
Integer = pl.Int64
Decimal = pl.Float64

_PARSE_BY_DTYPE = {
    str(pa.DataFrameSchema({"x": pa.Column(t)}).columns["x"].dtype): kind
    for t, kind in ((Timestamp, TIMESTAMP), (Integer, INTEGER), (Decimal, DECIMAL))
}

YES_NO = ["Y", "N"]


def column(
    header: str,
    description: str,
    *,
    parse: str | None = None,
    required: bool = True,
    nullable: bool = False,
    aliases: tuple[str, ...] = (),
    **checks: Any,
) -> Any:
    """A contract field: `header` as in the export, `required` = the file must have the column."""
    return pa.Field(
        nullable=nullable,
        description=description,
        metadata={"header": header, "aliases": aliases, "required": required, "parse": parse},
        **checks,
    )


@dataclass(frozen=True)
class ContractColumn:
    name: str
    header: str
    aliases: tuple[str, ...]
    required: bool
    parse: str
    description: str


class ExportModel(pa.DataFrameModel):
    """Base of every export contract: extra columns are allowed (they are dropped before the check)."""

    class Config:
        strict = False
        coerce = False


def contract_columns(model: type[ExportModel]) -> list[ContractColumn]:
    """The columns of a contract in declaration order, with their export headers."""
    out = []
    for name, col in model.to_schema().columns.items():
        meta = col.metadata or {}
        out.append(
            ContractColumn(
                name=name,
                header=meta["header"],
                aliases=tuple(meta.get("aliases", ())),
                required=bool(meta.get("required", True)),
                parse=meta.get("parse") or _PARSE_BY_DTYPE.get(str(col.dtype), TEXT),
                description=col.description or "",
            )
        )
    return out
