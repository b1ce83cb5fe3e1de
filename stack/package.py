"""The Lambda deployment package: a deterministic zip of the shipped packages, like ``sam package``.

Deterministic (sorted entries, fixed timestamps and modes) so that the same source gives the same
bytes and the same SHA-256: the hash names the S3 key and the function versions, so an unchanged
tree deploys as "no changes" and a changed one publishes new versions.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FIXED_TIMESTAMP = (2020, 1, 1, 0, 0, 0)
FILE_MODE = 0o644 << 16
RELEASE_ID_CHARS = 16
SKIPPED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class CodePackage:
    """The zip bytes and their SHA-256, hex (S3 key, logical ids) and base64 (what Lambda reports)."""

    data: bytes

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_base64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()

    def s3_key(self, prefix: str) -> str:
        """Content-addressed key: uploading the same code twice writes the same object."""
        return f"{prefix.strip('/')}/{self.sha256_hex}.zip" if prefix.strip("/") else f"{self.sha256_hex}.zip"


def release_id(code: CodePackage, parameters: Mapping[str, str]) -> str:
    """Fingerprint of what a deploy ships: the code and every parameter value (they become environment)."""
    text = code.sha256_hex + json.dumps(dict(parameters), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:RELEASE_ID_CHARS]


def _files(root: Path, packages: Sequence[str], vendor: Path | None, exclude: Sequence[str]) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise ValueError(f"{base} is not a Python package")
        found += [(path.relative_to(root).as_posix(), path) for path in base.rglob("*") if path.is_file()]
    if vendor is not None:
        if not vendor.is_dir():
            raise ValueError(f"vendor directory {vendor} does not exist")
        found += [(path.relative_to(vendor).as_posix(), path) for path in vendor.rglob("*") if path.is_file()]
    kept = [(name, path) for name, path in found
            if not SKIPPED_PARTS.intersection(Path(name).parts) and not name.endswith(SKIPPED_SUFFIXES)
            and not any(name.startswith(prefix.rstrip("/") + "/") for prefix in exclude)]
    return sorted(kept)


def build(
    root: Path, packages: Sequence[str], *, exclude: Sequence[str] = (), vendor: Path | None = None
) -> CodePackage:
    """Zip ``packages`` (folders under ``root``) minus the ``exclude`` folders and, at the zip root,
    the contents of ``vendor`` (third-party dependencies installed for arm64, see docs/deploy.md)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in _files(root, packages, vendor, exclude):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return CodePackage(buffer.getvalue())
