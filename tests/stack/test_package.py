"""The deployment zip is deterministic, so its hash names a release and unchanged code is no change."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from stack.package import build, release_id


def _tree(root: Path) -> None:
    for name, text in {
        "app/__init__.py": "", "app/handlers.py": "x = 1\n", "app/cli/__init__.py": "",
        "app/__pycache__/handlers.cpython-311.pyc": "junk",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_same_tree_same_bytes_changed_file_new_hash(tmp_path: Path) -> None:
    _tree(tmp_path)
    first, second = build(tmp_path, ["app"]), build(tmp_path, ["app"])
    assert first.data == second.data
    (tmp_path / "app/handlers.py").write_text("x = 2\n")
    changed = build(tmp_path, ["app"])
    assert changed.sha256_hex != first.sha256_hex
    assert changed.s3_key("artifacts/") == f"artifacts/{changed.sha256_hex}.zip"


def test_excluded_folders_and_caches_stay_out_vendor_goes_to_the_root(tmp_path: Path) -> None:
    _tree(tmp_path)
    vendor = tmp_path / "vendor"
    (vendor / "jwt").mkdir(parents=True)
    (vendor / "jwt/__init__.py").write_text("")
    package = build(tmp_path, ["app"], exclude=["app/cli"], vendor=vendor)
    names = zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    assert names == ["app/__init__.py", "app/handlers.py", "jwt/__init__.py"]


def test_release_id_follows_code_and_parameters(tmp_path: Path) -> None:
    _tree(tmp_path)
    code = build(tmp_path, ["app"])
    assert release_id(code, {"A": "1"}) == release_id(code, {"A": "1"})
    assert release_id(code, {"A": "1"}) != release_id(code, {"A": "2"})
