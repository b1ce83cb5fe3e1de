"""The Lambda deployment package: a deterministic zip of our shipped packages and their third-party
packages (:mod:`stack.wheels`), like ``sam build`` + ``sam package``, checked against Lambda's limits.

Deterministic (entries in a fixed order — the third-party part, then ours, each sorted — fixed
timestamps and modes) so that the same source gives the same bytes and the same SHA-256: the hash
names the S3 key and the function versions, so an unchanged artifact is not uploaded again, an
unchanged tree deploys as "no changes" and a changed one publishes new versions.

Limits (Lambda quotas): 250 MB unpacked, layers included — the one that binds, as the code goes up
through S3 (``Code.S3Bucket``/``S3Key``, ``brickguard deploy``); the 50 MB zipped limit applies to
a direct upload of the zip in the API call only, which nothing here does.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
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

    @functools.cached_property
    def _sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()  # tens of MB: hashed once

    @property
    def sha256_hex(self) -> str:
        return self._sha256.hex()

    @property
    def sha256_base64(self) -> str:
        return base64.b64encode(self._sha256).decode()

    def s3_key(self, prefix: str) -> str:
        """Content-addressed key: uploading the same code twice writes the same object."""
        return f"{prefix.strip('/')}/{self.sha256_hex}.zip" if prefix.strip("/") else f"{self.sha256_hex}.zip"


def release_id(codes: Iterable[CodePackage], parameters: Mapping[str, str]) -> str:
    """Fingerprint of what a deploy ships: every artifact and every parameter value (they become environment)."""
    text = ",".join(sorted({code.sha256_hex for code in codes})) + json.dumps(dict(parameters), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:RELEASE_ID_CHARS]


def megabytes(size: int) -> float:
    """Bytes in Lambda's megabytes (its 250 MB limit is 262,144,000 bytes: 2**20 bytes each)."""
    return size / 2**20


def _package_of(name: str) -> str:
    top = name.split("/", 1)[0]
    return METADATA if top.endswith(".dist-info") else top.removesuffix(".py")


def _kept(found: list[tuple[str, Path]], exclude: Sequence[str] = ()) -> list[tuple[str, Path]]:
    return sorted((name, path) for name, path in found
                  if not SKIPPED_PARTS.intersection(Path(name).parts) and not name.endswith(SKIPPED_SUFFIXES)
                  and not any(name.startswith(prefix.rstrip("/") + "/") for prefix in exclude))


def our_files(root: Path, packages: Sequence[str], exclude: Sequence[str] = ()) -> list[tuple[str, Path]]:
    """``(name in the zip, path)`` of ``packages`` under ``root`` minus the ``exclude`` folders, sorted."""
    found: list[tuple[str, Path]] = []
    for package in packages:
        base = root / package
        if not (base / "__init__.py").is_file():
            raise ValueError(f"{base} is not a Python package")
        found += [(path.relative_to(root).as_posix(), path) for path in base.rglob("*") if path.is_file()]
    return _kept(found, exclude)


def site_files(third_party: Path) -> list[tuple[str, Path]]:
    """``(name in the zip, path)`` of ``third_party``'s contents, at the zip root (where Lambda's
    ``/var/task`` puts them on ``sys.path``), sorted."""
    if not third_party.is_dir():
        raise ValueError(f"third-party directory {third_party} does not exist")
    return _kept([(path.relative_to(third_party).as_posix(), path) for path in third_party.rglob("*")
                  if path.is_file()])


def _digest(entries: Sequence[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for name, data in entries:
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\0".encode())
    return digest.hexdigest()


def _zipped(entries: Sequence[tuple[str, bytes]], base: bytes = b"") -> bytes:
    """``entries`` deflated with fixed timestamps and modes, appended to the zip ``base`` (if any)."""
    buffer = io.BytesIO(base)
    with zipfile.ZipFile(buffer, "a" if base else "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _cached(cache: Path | None, name: str, make: Callable[[], bytes]) -> bytes:
    """The zip ``cache/zips/<name>.zip``, made (and stored, atomically) when missing."""
    if cache is None:
        return make()
    path = cache / "zips" / f"{name}.zip"
    if path.is_file():
        return path.read_bytes()
    data = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return data


def _sizes(data: bytes) -> dict[str, int]:
    """Unpacked bytes by top-level package, largest first, read from the zip's directory."""
    sizes: dict[str, int] = {}
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        sizes[_package_of(info.filename)] = sizes.get(_package_of(info.filename), 0) + info.file_size
    return dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))


def build(root: Path, packages: Sequence[str], third_party: Path | None = None,
          cache: Path | None = None, exclude: Sequence[str] = (), third_party_key: str | None = None) -> CodePackage:
    """Zip ``third_party``'s contents, then ``packages`` (folders under ``root``) minus ``exclude``;
    refuse past the limit.

    With ``cache``, a zip of the same files is read back instead of compressed again, and so is the
    third-party part alone: a change to our code deflates only our files and appends them to it.
    ``third_party_key`` names the third-party part when its directory is content-addressed already
    (:func:`stack.wheels.third_party`'s are), so a warm build reads none of its files; without it the
    files are hashed. The bytes are the same with or without the cache.
    """
    ours = [(name, path.read_bytes()) for name, path in our_files(root, packages, exclude)]
    site = third_party

    @functools.cache
    def theirs() -> list[tuple[str, bytes]]:
        return [(name, path.read_bytes()) for name, path in site_files(site)] if site is not None else []

    base_name = f"third-party-{third_party_key or _digest(theirs())}" if site is not None else ""
    whole_name = hashlib.sha256(f"{base_name}\0{_digest(ours)}".encode()).hexdigest()

    def whole() -> bytes:
        base = _cached(cache, base_name, lambda: _zipped(theirs())) if base_name else b""
        return _zipped(ours, base)

    data = _cached(cache, whole_name, whole)
    sizes = _sizes(data)
    total = sum(sizes.values())
    if total > UNPACKED_LIMIT_BYTES:
        largest = ", ".join(f"{name} {megabytes(size):.1f} MB" for name, size in list(sizes.items())[:5])
        raise PackageTooLarge(f"{megabytes(total):.1f} MB unpacked, past Lambda's "
                              f"{megabytes(UNPACKED_LIMIT_BYTES):.0f} MB limit (largest: {largest})")
    return CodePackage(data, sizes)
