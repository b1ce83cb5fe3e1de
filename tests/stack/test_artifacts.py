"""The artifacts ``brickguard package`` builds: arm64 wheels from the index (no Docker), each function
carrying only its groups, stripped, with fixed timestamps, within half of Lambda's unpacked limit.

Built once per content hash under the user cache (BRICKGUARD_CACHE_DIR), so only a machine's first
run downloads wheels, and once per session (``function_artifacts``, the artifacts deploy ships)."""

from __future__ import annotations

import io
import zipfile

from stack.package import UNPACKED_LIMIT_BYTES, CodePackage

ELF_MACHINE_AARCH64 = 183
ELF_MACHINE_OFFSET = 18


def _names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_health_for_arm64_holds_aarch64_binaries_no_pillow_and_nothing_that_does_not_run(
    function_artifacts: dict[str, CodePackage]
) -> None:
    code = function_artifacts["health"]
    archive = zipfile.ZipFile(io.BytesIO(code.data))
    names = archive.namelist()
    ours = [name for name in names if name.startswith(("runtime/", "guards/", "api/"))]
    assert names == sorted(set(names) - set(ours)) + sorted(ours)  # third-party part first, then ours
    assert {"api/handlers.py", "runtime/wrapper.py", "pydantic_core/__init__.py"} <= set(names)
    assert not any(name.startswith(("PIL/", "cli/", "devstack/", "stack/", "grpc/")) for name in names)
    assert not [name for name in names if "__pycache__/" in name or name.endswith((".pyc", ".pyi", "/RECORD"))
                or "/tests/" in name or name.startswith("bin/")]
    machines = {name: archive.read(name)[ELF_MACHINE_OFFSET] for name in names if name.endswith(".so")}
    assert machines and set(machines.values()) == {ELF_MACHINE_AARCH64}
    assert {info.date_time for info in archive.infolist()} == {(2020, 1, 1, 0, 0, 0)}


def test_image_functions_carry_pillow_and_every_artifact_fits_half_the_limit(
    function_artifacts: dict[str, CodePackage]
) -> None:
    gallery, upload = function_artifacts["gallery"], function_artifacts["upload"]
    assert any(name.startswith("PIL/") for name in _names(gallery.data))
    assert not any(name.startswith("PIL/") for name in _names(upload.data))
    assert any(name.startswith("defusedxml/") for name in _names(upload.data))
    assert max(code.unpacked_bytes for code in function_artifacts.values()) <= UNPACKED_LIMIT_BYTES // 2

