"""Reading tabular files as departments send them: CSV, XLSX or JSON, Chinese headers.

Real sheets carry a title row above the header, full-width punctuation in headers
(``罚款金额（万元）``), empty columns and blank rows after the data. ``read_rows`` finds the
header row (the first of the top rows naming enough known columns), maps header aliases to
canonical field names, skips blank rows and yields ``(row_number, {field: text})`` where
row_number is the spreadsheet's own 1-based row number, so reports point at the right line.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chengxin.errors import UnusableInput

HEADER_SCAN_ROWS = 10


def normalise_header(raw: object) -> str:
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().lower()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*:：")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and hasattr(value, "year"):
        if getattr(value, "hour", 0) or getattr(value, "minute", 0) or getattr(value, "second", 0):
            return value.strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[no-any-return]  # a time cell keeps its time
        return value.strftime("%Y-%m-%d")  # type: ignore[no-any-return]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Table:
    header_row: int
    fields: list[str | None]  # canonical field per column, None = ignored column
    ignored_headers: list[str] = field(default_factory=list)
    rows: Iterator[tuple[int, dict[str, str]]] = field(default_factory=lambda: iter(()))


def _raw_rows(path: Path) -> Iterator[list[object]]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnusableInput(f"{path.name}: not UTF-8 or GB18030 text", code="file_encoding")
        yield from csv.reader(io.StringIO(text, newline=""))
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for broken files
            raise UnusableInput(f"{path.name}: not a readable XLSX workbook ({exc})", code="file_format") from exc
        try:
            for row in wb.worksheets[0].iter_rows(values_only=True):
                yield list(row)
        finally:
            wb.close()
    elif suffix == ".json":
        yield from _json_rows(path)
    else:
        raise UnusableInput(
            f"{path.name}: unsupported file type {suffix or '(none)'}; use CSV, XLSX or JSON", code="file_format"
        )


def _json_rows(path: Path) -> Iterator[list[object]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnusableInput(f"{path.name}: invalid JSON ({exc})", code="file_format") from exc
    if isinstance(data, dict):
        data = data.get("rows") or data.get("data") or data.get("items")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise UnusableInput(f'{path.name}: JSON must be a list of objects (or {{"rows": [...]}})', code="file_format")
    headers: list[str] = []
    for r in data:
        for k in r:
            if k not in headers:
                headers.append(k)
    yield list(headers)
    for r in data:
        yield [r.get(h) for h in headers]


def read_rows(path: Path, aliases: Mapping[str, str], *, required: set[str]) -> Table:
    """Open ``path`` and map its header through ``aliases`` (normalised header → field).

    Raises ``UnusableInput`` when no header row with the ``required`` fields is found."""
    if not path.exists():
        raise UnusableInput(f"{path}: no such file", code="file_missing")
    norm_aliases = {normalise_header(k): v for k, v in aliases.items()}
    raw = _raw_rows(path)
    scanned: list[list[object]] = []
    for i, row in enumerate(raw, start=1):
        scanned.append(row)
        fields = [norm_aliases.get(normalise_header(c)) for c in row]
        if required <= {f for f in fields if f}:
            ignored = [str(c) for c, f in zip(row, fields, strict=True) if f is None and _cell(c)]
            return Table(header_row=i, fields=fields, ignored_headers=ignored, rows=_data(raw, fields, i))
        if i >= HEADER_SCAN_ROWS:
            break
    names = ", ".join(sorted(required))
    raise UnusableInput(
        f"{path.name}: no header row with the required columns ({names}) in the first {HEADER_SCAN_ROWS} rows",
        code="header_missing",
        message_zh="文件缺少必需的表头列",
    )


def _data(
    raw: Iterator[list[object]], fields: list[str | None], header_row: int
) -> Iterator[tuple[int, dict[str, str]]]:
    for n, row in enumerate(raw, start=header_row + 1):
        record: dict[str, str] = {}
        for f, value in zip(fields, row, strict=False):
            if f is not None:
                text = _cell(value)
                if text and not record.get(f):
                    record[f] = text
        if record:
            yield n, record
