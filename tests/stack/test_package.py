"""The deployment zip is deterministic, so its hash names a release and unchanged code is no change;
it reports its unpacked size by package and refuses what Lambda would refuse."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from stack import package as package_module
from stack.package import PackageTooLarge, build, release_id


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


def test_caches_stay_out_third_party_packages_go_to_the_root_first_sizes_by_package(tmp_path: Path) -> None:
    _tree(tmp_path)
    site = tmp_path / "site"
    (site / "jwt").mkdir(parents=True)
    (site / "jwt/__init__.py").write_text("a" * 100)
    (site / "jwt-2.0.dist-info").mkdir()
    (site / "jwt-2.0.dist-info/METADATA").write_text("m" * 10)
    package = build(tmp_path, ["app"], site)
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    assert archive.namelist() == ["jwt-2.0.dist-info/METADATA", "jwt/__init__.py",
                                  "app/__init__.py", "app/cli/__init__.py", "app/handlers.py"]
    assert package.sizes == {"jwt": 100, "(metadata)": 10, "app": 6}
    assert package.unpacked_bytes == sum(info.file_size for info in archive.infolist())


def test_a_package_past_lambdas_unpacked_limit_is_refused_naming_the_largest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    (tmp_path / "app/big.bin").write_bytes(b"x" * 2000)
    monkeypatch.setattr(package_module, "UNPACKED_LIMIT_BYTES", 1000)
    with pytest.raises(PackageTooLarge, match=r"past Lambda's .* limit \(largest: app"):
        build(tmp_path, ["app"])


def test_a_cached_zip_is_the_same_bytes_and_a_changed_file_misses_the_cache(tmp_path: Path) -> None:
    _tree(tmp_path / "tree")
    cache = tmp_path / "cache"
    first = build(tmp_path / "tree", ["app"], cache=cache)
    assert build(tmp_path / "tree", ["app"], cache=cache).data == first.data == build(tmp_path / "tree", ["app"]).data
    (tmp_path / "tree/app/handlers.py").write_text("x = 3\n")
    assert build(tmp_path / "tree", ["app"], cache=cache).sha256_hex != first.sha256_hex


def test_a_code_change_reuses_the_cached_third_party_part_and_gives_the_bytes_a_fresh_build_gives(
    tmp_path: Path
) -> None:
    _tree(tmp_path / "tree")
    site = tmp_path / "site"
    (site / "jwt").mkdir(parents=True)
    (site / "jwt/__init__.py").write_text("a" * 1000)
    cache = tmp_path / "cache"
    first = build(tmp_path / "tree", ["app"], site, cache=cache)
    (tmp_path / "tree/app/handlers.py").write_text("x = 4\n")
    changed = build(tmp_path / "tree", ["app"], site, cache=cache)
    assert changed.sha256_hex != first.sha256_hex
    assert changed.data == build(tmp_path / "tree", ["app"], site).data  # the same bytes as without a cache
    assert len(list((cache / "zips").glob("third-party-*.zip"))) == 1  # deflated once, reused
    assert zipfile.ZipFile(io.BytesIO(changed.data)).read("app/handlers.py") == b"x = 4\n"


def test_release_id_follows_code_and_parameters(tmp_path: Path) -> None:
    _tree(tmp_path)
    code = build(tmp_path, ["app"])
    assert release_id([code], {"A": "1"}) == release_id([code, code], {"A": "1"})
    assert release_id([code], {"A": "1"}) != release_id([code], {"A": "2"})
    (tmp_path / "app/handlers.py").write_text("x = 2\n")
    assert release_id([code], {"A": "1"}) != release_id([code, build(tmp_path, ["app"])], {"A": "1"})
