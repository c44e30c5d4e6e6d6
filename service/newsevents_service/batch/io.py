"""Reading the input archive and the output parts.

Input: JSONL or Parquet rows with `text` and optional `id`, `title`, `publication_date`,
`language_code`. Every row becomes one dict of ROW_FIELDS (strings or None); a row that cannot be
read keeps its place with a `problem`, so that it gets an error row instead of being dropped.

Output: a folder of parts `part-NNNNN.jsonl` or `.parquet`, each written whole under a temporary
name and renamed, so a part that exists is complete. The ids in the parts are the documents done.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsevents.v1 import event_extraction_service_pb2 as pb

FORMATS = ("jsonl", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
INPUT_COLUMNS = ("id", "text", "title", "publication_date", "language_code")
ROW_FIELDS = (*INPUT_COLUMNS, "problem", "problem_field")
Row = dict[str, str | None]

# Output columns of Parquet parts: the response fields in their JSON names. Nested fields (events,
# entities, date, error) hold their JSON mapping as text: event details are a oneof, so a struct
# column would change shape from part to part.
_RESPONSE_FIELDS = [f for f in pb.ExtractEventsResponse.DESCRIPTOR.fields if f.name != "document_id"]
JSON_COLUMNS = tuple(f.json_name for f in _RESPONSE_FIELDS if f.message_type is not None)
OUTPUT_SCHEMA = pa.schema([("id", pa.string())] + [(f.json_name, pa.string()) for f in _RESPONSE_FIELDS])
_PART = re.compile(r"part-(\d+)\.(jsonl|parquet)")


class DuplicateIdError(ValueError):
    pass


def format_of(path: Path) -> str | None:
    return _SUFFIXES.get(path.suffix.lower())


@dataclass(frozen=True)
class _Unreadable:
    message: str


def read_input(path: Path) -> list[Row]:
    """All rows of the archive, in input order; raises DuplicateIdError."""
    kind = format_of(path)
    if kind is None:
        raise ValueError(f"{path}: cannot tell the format from the extension; use .jsonl or .parquet")
    records = _jsonl_records(path) if kind == "jsonl" else _parquet_records(path)
    rows = [normalize(record, number) for number, record in enumerate(records)]
    _check_unique([row["id"] for row in rows])
    return rows


def _jsonl_records(path: Path) -> Iterator[Any]:
    """Decoded lines; blank lines are skipped (they are not rows)."""
    with path.open(encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                yield _Unreadable(f"line {line_number} is not JSON: {error}")


def _parquet_records(path: Path) -> Iterator[dict[str, Any]]:
    names = pq.read_schema(path).names
    if "text" not in names:
        raise ValueError(f"{path} has no 'text' column (columns: {', '.join(names)})")
    table = pq.read_table(path, columns=[name for name in INPUT_COLUMNS if name in names])
    for batch in table.to_batches():
        yield from batch.to_pylist()


def normalize(record: Any, number: int) -> Row:
    """One row of ROW_FIELDS. Rows without an id get `row-<number>` (0-based position in the input)."""
    row: Row = dict.fromkeys(ROW_FIELDS)
    row["id"] = f"row-{number}"
    if isinstance(record, _Unreadable):
        return {**row, "problem": record.message, "problem_field": "row"}
    if not isinstance(record, dict):
        return {**row, "problem": f"row {number} is not a JSON object", "problem_field": "row"}
    for name in INPUT_COLUMNS:
        value = record.get(name)
        if value is None or value == "":
            continue
        text = _as_text(name, value)
        if text is None:
            kind = "a string or an integer" if name == "id" else "a string"
            return {**row, "problem": f"{name} must be {kind}, not {type(value).__name__}", "problem_field": name}
        row[name] = text
    return row


def _as_text(name: str, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if name == "id" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if name == "publication_date" and isinstance(value, dt.date):  # a Parquet date or timestamp column
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    return None


def _check_unique(ids: list[str | None]) -> None:
    repeated = [doc_id for doc_id, count in Counter(ids).items() if count > 1]
    if repeated:
        shown = ", ".join(repr(doc_id) for doc_id in repeated[:5])
        raise DuplicateIdError(
            f"{len(repeated)} ids occur more than once in the input (first: {shown}); ids must be unique"
        )


class OutputParts:
    """The output folder: complete parts, the ids they hold, and writing the next part."""

    def __init__(self, directory: Path, kind: str) -> None:
        if kind not in FORMATS:
            raise ValueError(f"output format {kind!r}; use one of {', '.join(FORMATS)}")
        self.directory, self.kind = directory, kind
        directory.mkdir(parents=True, exist_ok=True)
        for leftover in directory.glob(".part-*.tmp"):  # a part an interrupted run did not finish
            leftover.unlink()
        other = [p.name for p in _parts(directory) if not p.name.endswith(kind)]
        if other:
            raise ValueError(f"{directory} holds parts of another format ({other[0]}); use that --format")
        self._next = max((_part_number(p) for p in self.parts()), default=-1) + 1

    def parts(self) -> list[Path]:
        return _parts(self.directory)

    def done_ids(self) -> set[str]:
        done: set[str] = set()
        for part in self.parts():
            if part.suffix == ".jsonl":
                done.update(row["id"] for row in _jsonl_rows(part))
            else:
                done.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
        return done

    def write(self, rows: list[dict[str, Any]]) -> Path:
        final = self.directory / f"part-{self._next:05d}.{self.kind}"
        temporary = self.directory / f".{final.name}.tmp"
        if self.kind == "jsonl":
            temporary.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
        else:
            pq.write_table(pa.Table.from_pylist([_flat(row) for row in rows], schema=OUTPUT_SCHEMA), temporary)
        os.replace(temporary, final)
        self._next += 1
        return final


def _parts(directory: Path) -> list[Path]:
    return sorted((p for p in directory.iterdir() if _PART.fullmatch(p.name)), key=_part_number)


def _part_number(part: Path) -> int:
    return int(part.name.split("-", 1)[1].split(".", 1)[0])


def _jsonl_rows(part: Path) -> list[dict[str, Any]]:
    # Split on "\n" only: texts may hold U+2028 and the like, which json.dumps leaves unescaped.
    return [json.loads(line) for line in part.read_text("utf-8").split("\n") if line.strip()]


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: json.dumps(value, ensure_ascii=False) if name in JSON_COLUMNS else value for name, value in row.items()
    }


def read_output(directory: Path) -> list[dict[str, Any]]:
    """Every row of every complete part, as the JSONL rows (Parquet's JSON text columns decoded)."""
    rows: list[dict[str, Any]] = []
    for part in _parts(directory):
        if part.suffix == ".jsonl":
            rows.extend(_jsonl_rows(part))
        else:
            for flat in pq.read_table(part).to_pylist():
                rows.append({k: json.loads(v) if k in JSON_COLUMNS else v for k, v in flat.items() if v is not None})
    return rows
