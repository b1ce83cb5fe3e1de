"""MOC files judged by their content: PDF, XML or CSV, whatever the client named or labelled them.

* PDF: ``%PDF-`` within the first 1024 bytes (the PDF 1.7 spec's allowance) and ``%%EOF``
  in the last 1024 (a truncated upload has none).
* XML: well-formed, parsed with ``defusedxml``: no DTD entity declarations (billion laughs),
  no external entities, no network.
* CSV: UTF-8 text (a BOM is fine), no NUL bytes, a header row of at least two columns.

Example::

    kind = detect(data)        # FileKind(extension="pdf", mime_type="application/pdf", file_type="instructions")
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from runtime.errors import ValidationError

PDF_HEADER_WINDOW = 1024
PDF_TRAILER_WINDOW = 1024


@dataclass(frozen=True, slots=True)
class FileKind:
    extension: str
    mime_type: str
    file_type: str
    """The ``moc_files.file_type``: what the file is for."""


PDF = FileKind("pdf", "application/pdf", "instructions")
XML = FileKind("xml", "application/xml", "model")
CSV = FileKind("csv", "text/csv", "parts-list")


def detect(data: bytes) -> FileKind:
    """The kind of ``data`` by content; anything else, or a broken file, is a 400."""
    if not data:
        raise ValidationError("The file is empty")
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        if b"%%EOF" not in data[-PDF_TRAILER_WINDOW:]:
            raise ValidationError("The PDF is truncated (no %%EOF at its end)")
        return PDF
    text = _utf8_text(data)
    if text is None:
        raise ValidationError("File is not a PDF, XML or CSV file")
    if text.lstrip().startswith("<"):
        _check_xml(data)
        return XML
    check_csv_header(text[:65536])
    return CSV


def _utf8_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _check_xml(data: bytes) -> None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ValidationError("XML declaring entities is refused (entity expansion)") from None
    except Exception as exc:  # ElementTree.ParseError and expat's errors
        raise ValidationError(f"XML is not well-formed: {exc}") from None


def check_csv_header(text: str) -> list[str]:
    """The header row of CSV ``text``; fewer than two columns is not a parts list (400)."""
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise ValidationError(f"CSV cannot be read: {exc}") from None
    if len([name for name in header if name.strip()]) < 2:
        raise ValidationError("File is not a PDF, XML or CSV file (no CSV header row)")
    return header
