"""Parts-list CSV, read as a stream and judged line by line: what is kept, what is rejected and why.

Columns (header names, any case and order; others are ignored): ``Part ID``, ``Part Name``,
``Quantity``, ``Color`` (``Colour`` too). The file is read through ``csv`` from a stream of
chunks, so quoted newlines work and memory stays bounded by the limits below.

Two kinds of trouble:

* a bad **line** (empty id, quantity not a whole number in 1..10000, a cell that starts
  like a spreadsheet formula ``= + - @``) is rejected with its line number and reason,
  and the rest of the file is imported;
* a bad **file** (not UTF-8, NUL bytes, a field over :data:`MAX_FIELD_CHARS`, more than
  :data:`MAX_ROWS` lines, no header with the four columns) raises :class:`FileRefused`:
  nothing of it is imported.

Example::

    result = parse(iter([b"Part ID,Part Name,Quantity,Color\\n3001,Brick 2 x 4,4,Red\\n"]))
    result.parts[0].quantity   # 4
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_ROWS = 20_000
"""Lines of parts per file; the largest LEGO sets list a few thousand distinct lines."""
MAX_FIELD_CHARS = 1_000
MAX_QUANTITY = 10_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""What spreadsheets execute when the cell is exported again (CSV injection, OWASP)."""

COLUMNS = {"part id": "part_id", "part name": "part_name", "quantity": "quantity", "color": "color", "colour": "color"}
LIMITS = {"part_id": 50, "part_name": 200, "color": 50}
_ASCII_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
"""Not ``str.isdigit``: it accepts ``²`` and other Unicode digits that ``int()`` refuses."""


class FileRefused(ValueError):
    """The whole file is unusable; the message says why (shown to the user as is)."""


@dataclass(frozen=True, slots=True)
class Part:
    line: int
    part_id: str
    part_name: str
    quantity: int
    color: str


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ParseResult:
    parts: list[Part] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def total_quantity(self) -> int:
        return sum(part.quantity for part in self.parts)


class _ChunkReader(io.RawIOBase):
    """A readable binary stream over an iterator of byte chunks (the S3 body)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def parse(chunks: Iterable[bytes]) -> ParseResult:
    """Parts and rejected lines of the CSV in ``chunks``; :class:`FileRefused` for a file that cannot be used."""
    text = io.TextIOWrapper(io.BufferedReader(_ChunkReader(chunks)), encoding="utf-8-sig", newline="")
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(text, strict=True)
    try:
        return _read(reader)
    except UnicodeDecodeError:
        raise FileRefused(f"The file is not UTF-8 text (near line {reader.line_num + 1})") from None
    except csv.Error as exc:
        raise FileRefused(f"Line {reader.line_num}: {_csv_problem(exc)}") from None
    finally:
        csv.field_size_limit(previous_limit)


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"a field is longer than {MAX_FIELD_CHARS} characters"
    if "NUL" in message:
        return "the file contains NUL bytes (binary, or UTF-16)"
    return message


def _read(reader: Any) -> ParseResult:
    header = next(reader, None)
    if header is None:
        raise FileRefused("The file is empty")
    positions = _columns(header)
    result = ParseResult()
    rows = 0
    last_line = reader.line_num
    for row in reader:
        line, last_line = last_line + 1, reader.line_num  # a quoted newline makes one record span lines
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise FileRefused(f"More than {MAX_ROWS} parts lines; split the list")
        part = _part(line, row, positions)
        if isinstance(part, Rejection):
            result.rejections.append(part)
        else:
            result.parts.append(part)
    return result


def _columns(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = COLUMNS.get(name.strip().lower())
        if column is not None and column not in positions:
            positions[column] = index
    missing = sorted({"part_id", "part_name", "quantity", "color"} - set(positions))
    if missing:
        names = ", ".join(name.replace("_", " ").title().replace("Id", "ID") for name in missing)
        raise FileRefused(f"The header row lacks the column(s): {names}")
    return positions


def _part(line: int, row: list[str], positions: dict[str, int]) -> Part | Rejection:
    values = {column: (row[index].strip() if index < len(row) else "") for column, index in positions.items()}
    for column, limit in LIMITS.items():
        value = values[column]
        label = column.replace("_", " ")
        if not value:
            return Rejection(line, f"{label} is empty")
        if len(value) > limit:
            return Rejection(line, f"{label} is longer than {limit} characters")
        if value.startswith(FORMULA_PREFIXES):
            return Rejection(line, f"{label} starts with {value[0]!r}, like a spreadsheet formula")
    raw_quantity = values["quantity"]
    if not _ASCII_WHOLE_NUMBER.fullmatch(raw_quantity) or not 1 <= int(raw_quantity) <= MAX_QUANTITY:
        return Rejection(line, f"quantity {raw_quantity[:20]!r} is not a whole number from 1 to {MAX_QUANTITY}")
    return Part(line, values["part_id"], values["part_name"], int(raw_quantity), values["color"])
