"""The Lambda deployment package: a deterministic zip of our shipped packages and their third-party
packages (:mod:`stack.wheels`), like ``sam build`` + ``sam package``, checked against Lambda's limits.

Deterministic (sorted entries, fixed timestamps and modes) so that the same source gives the same
bytes and the same SHA-256: the hash names the S3 key and the function versions, so an unchanged
tree deploys as "no changes" and a changed one publishes new versions.

Limits (Lambda quotas): 250 MB unpacked, layers included — the one that binds, as the code goes up
through S3 (``Code.S3Bucket``/``S3Key``, ``brickguard deploy``); the 50 MB zipped limit applies to
a direct upload of the zip in the API call only, which nothing here does.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

UNPACKED_LIMIT_BYTES = 262_144_000
"""Lambda: deployment package (and layers) unzipped, 250 MB."""
DIRECT_UPLOAD_LIMIT_BYTES = 52_428_800
"""Lambda: zipped package uploaded in the API call itself, 50 MB (uploads through S3 are not bound by it)."""
METADATA = "(metadata)"
"""Size report row of every ``*.dist-info`` folder."""
FIXED_TIMESTAMP = (2020, 1, 1, 0, 0, 0)
FILE_MODE = 0o644 << 16
RELEASE_ID_CHARS = 16
SKIPPED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".pytest_cache"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")


class PackageTooLarge(ValueError):
    """The artifact would not deploy: past Lambda's unpacked limit."""


@dataclass(frozen=True)
class CodePackage:
    """The zip bytes and their SHA-256, hex (S3 key, logical ids) and base64 (what Lambda reports)."""

    data: bytes
    sizes: Mapping[str, int] = field(default_factory=dict)
    """Unpacked bytes by top-level package (our packages, each third-party one, ``(metadata)``)."""

    @property
    def unpacked_bytes(self) -> int:
        return sum(self.sizes.values())

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


def megabytes(size: int) -> float:
    """Bytes in Lambda's megabytes (its 250 MB limit is 262,144,000 bytes: 2**20 bytes each)."""
    return size / 2**20


def _package_of(name: str) -> str:
    top = name.split("/", 1)[0]
    return METADATA if top.endswith(".dist-info") else top.removesuffix(".py")


def files(root: Path, packages: Sequence[str], third_party: Path | None = None,
          exclude: Sequence[str] = ()) -> list[tuple[str, Path]]:
    """``(name in the zip, path)`` of every file shipped: ``packages`` under ``root`` minus the ``exclude``
    folders, then ``third_party``'s contents at the zip root (where Lambda's ``/var/task`` puts them on
    ``sys.path``), sorted."""
    found: list[tuple[str, Path]] = []
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise ValueError(f"{base} is not a Python package")
        found += [(path.relative_to(root).as_posix(), path) for path in base.rglob("*") if path.is_file()]
    if third_party is not None:
        if not third_party.is_dir():
            raise ValueError(f"third-party directory {third_party} does not exist")
        found += [(path.relative_to(third_party).as_posix(), path) for path in third_party.rglob("*")
                  if path.is_file()]
    kept = [(name, path) for name, path in found
            if not SKIPPED_PARTS.intersection(Path(name).parts) and not name.endswith(SKIPPED_SUFFIXES)
            and not any(name.startswith(prefix.rstrip("/") + "/") for prefix in exclude)]
    return sorted(kept)


def build(root: Path, packages: Sequence[str], third_party: Path | None = None,
          cache: Path | None = None, exclude: Sequence[str] = ()) -> CodePackage:
    """Zip ``packages`` (folders under ``root``) minus ``exclude`` and ``third_party``'s contents; refuse
    past the limit.

    With ``cache``, a zip of the same files (names and contents) is read back instead of compressed again.
    """
    shipped = [(name, path.read_bytes()) for name, path in files(root, packages, third_party, exclude)]
    sizes: dict[str, int] = {}
    for name, data in shipped:
        sizes[_package_of(name)] = sizes.get(_package_of(name), 0) + len(data)
    ordered = dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))
    total = sum(ordered.values())
    if total > UNPACKED_LIMIT_BYTES:
        largest = ", ".join(f"{name} {megabytes(size):.1f} MB" for name, size in list(ordered.items())[:5])
        raise PackageTooLarge(f"{megabytes(total):.1f} MB unpacked, past Lambda's "
                              f"{megabytes(UNPACKED_LIMIT_BYTES):.0f} MB limit (largest: {largest})")
    digest = hashlib.sha256()
    for name, data in shipped:
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\0".encode())
    cached = cache / "zips" / f"{digest.hexdigest()}.zip" if cache is not None else None
    if cached is not None and cached.is_file():
        return CodePackage(cached.read_bytes(), ordered)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in shipped:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    package = CodePackage(buffer.getvalue(), ordered)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(package.data)
        partial.replace(cached)
    return package
