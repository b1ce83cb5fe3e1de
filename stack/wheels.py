"""Third-party packages for a Lambda platform, installed from wheels without Docker, cached by content hash.

Like SAM CLI's ``python_pip`` builder, without its container: ``pip install --target`` with
``--platform``/``--implementation``/``--python-version`` and ``--only-binary=:all:`` picks the
wheels built for the target (arm64 = ``manylinux*_aarch64``, CPython of the stack's runtime), so
nothing is compiled here for the wrong machine. Lambda's Python 3.12 runs on Amazon Linux 2023
(glibc 2.34), so wheels tagged up to ``manylinux_2_34`` are accepted, ``manylinux2014`` first.

The versions are the ones this environment runs (its tests ran them): the requirements' closure is
read from the installed distributions' metadata and every member pinned (``name==version``), so pip
resolves nothing. Markers are evaluated for this interpreter, as pip itself does with
``--python-version``: the shipped closure has no marker that tells 3.11 from 3.12
(``tests/stack/test_shipped.py`` checks it).

Two caches, both content-addressed: the target's wheels (``pip download``, once per
``name==version``; later builds install offline with ``--no-index``), and each installed set,
stripped of what never runs (:data:`TEST_DIRS`, caches, :data:`STRIPPED_SUFFIXES`, installer
records), under a directory named by the hash of the target, the pins and the strip rules — so a
second build, a second ``brickguard up`` and every test session reuse it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

TEST_DIRS = frozenset({"tests", "test"})
"""Directories dropped inside a package (never at the top: a top-level ``test`` could be a real module)."""
STRIPPED_SUFFIXES = (".pyc", ".pyo", ".pyi", ".pyx", ".pxd", ".c", ".h", ".cpp")
"""Bytecode for another interpreter, type stubs, and the C/Cython sources of compiled modules."""
STRIPPED_NAMES = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
"""``.dist-info`` files only installers read (RECORD lists hashes of files stripped here)."""
STRIP_RULES_VERSION = "1"
"""Part of the cache key: change it when the strip rules change."""
PIP_TIMEOUT_S = 900


class WheelsError(RuntimeError):
    """pip could not install the requirements for the target (its last lines say why)."""


@dataclass(frozen=True)
class Target:
    """The platform an artifact runs on; ``platforms`` empty means this machine's interpreter."""

    name: str
    python_version: str
    platforms: tuple[str, ...] = ()

    def pip_options(self) -> list[str]:
        if not self.platforms:
            return ["--only-binary=:all:"]
        options = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python_version]
        for tag in self.platforms:
            options += ["--platform", tag]
        return options


def lambda_target(runtime: str, architecture: str) -> Target:
    """The target of a Lambda runtime (``python3.12``) and architecture (``arm64`` / ``x86_64``)."""
    machine = {"arm64": "aarch64", "x86_64": "x86_64"}[architecture]
    version = runtime.removeprefix("python")
    tags = tuple(f"{family}_{machine}" for family in ("manylinux2014", "manylinux_2_28", "manylinux_2_34"))
    return Target(f"{runtime}-{architecture}", version, tags)


def this_machine() -> Target:
    """This interpreter and machine: what the local Lambda's environments run."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Target(f"python{version}-{platform.machine()}-local", version)


def installed_closure(requirements: Iterable[str]) -> dict[str, str]:
    """``{distribution: version}`` of every installed distribution the requirements need, transitively."""
    environment = {name: str(value) for name, value in default_environment().items()}
    pins: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    pending = [(Requirement(text), "") for text in requirements]
    while pending:
        requirement, extra = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({**environment, "extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise WheelsError(f"{requirement.name} is declared as shipped but not installed here: "
                              "pip install -e . first") from None
        pins[name] = distribution.version
        for wanted in {"", *requirement.extras} - {extra for seen_name, extra in seen if seen_name == name}:
            seen.add((name, wanted))
            pending += [(Requirement(text), wanted) for text in distribution.requires or ()]
    return dict(sorted(pins.items()))


def _pip_version() -> str:
    return importlib.metadata.version("pip")


def cache_key(target: Target, pins: dict[str, str]) -> str:
    text = json.dumps({"target": [target.python_version, *target.platforms],
                       "machine": platform.machine() if not target.platforms else "", "pins": pins,
                       "pip": _pip_version(), "strip": STRIP_RULES_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def default_cache() -> Path:
    """``BRICKGUARD_CACHE_DIR``, else ``$XDG_CACHE_HOME/brickguard`` (``~/.cache/brickguard``)."""
    configured = os.environ.get("BRICKGUARD_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brickguard"


def third_party(
    requirements: Sequence[str], target: Target, cache: Path | None = None, leave_out: Sequence[str] = ()
) -> Path:
    """The directory holding ``requirements`` installed for ``target`` and stripped (built once per key),
    without the ``leave_out`` distributions (required by a shipped one, never imported by what ships)."""
    left_out = {canonicalize_name(name) for name in leave_out}
    pins = {name: version for name, version in installed_closure(requirements).items() if name not in left_out}
    root = cache or default_cache()
    built = root / "sites" / f"{target.name}-{cache_key(target, pins)}"
    if built.is_dir():
        return built
    wheelhouse = root / "wheels" / target.name
    download(pins, target, wheelhouse)
    built.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=built.parent))
    try:
        _pip(["install", "--no-index", "--find-links", str(wheelhouse), "--no-deps", "--no-compile",
              "--target", str(work / "site"), *target.pip_options(), *_pinned(pins)], target)
        strip(work / "site")
        with contextlib.suppress(OSError):  # a concurrent build of the same key won: keep its copy
            (work / "site").rename(built)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not built.is_dir():
        raise WheelsError(f"could not place the installed packages at {built}")
    return built


def download(pins: dict[str, str], target: Target, wheelhouse: Path) -> None:
    """Fetch the target's wheel of every pin the wheelhouse lacks (a wheel's name says its version)."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    have = {(canonicalize_name(name), str(Version(version))) for name, version, *_ in
            (wheel.name.split("-") for wheel in wheelhouse.glob("*.whl"))}
    missing = {name: version for name, version in pins.items() if (name, str(Version(version))) not in have}
    if missing:
        _pip(["download", "--no-deps", "--dest", str(wheelhouse), *target.pip_options(), *_pinned(missing)], target)


def _pinned(pins: dict[str, str]) -> list[str]:
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def _pip(arguments: list[str], target: Target) -> None:
    command = [sys.executable, "-m", "pip", *arguments[:1], "--quiet", "--no-input", "--disable-pip-version-check",
               *arguments[1:]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise WheelsError(f"pip {arguments[0]} failed for {target.name}:\n{tail}")


def strip(site: Path) -> None:
    """Remove what never runs in Lambda: caches, tests, stubs, C sources, console scripts, installer records."""
    shutil.rmtree(site / "bin", ignore_errors=True)  # console scripts: nothing runs them in Lambda
    for path in sorted(site.rglob("*"), reverse=True):
        if not path.exists() or path.is_symlink():
            continue
        depth = len(path.relative_to(site).parts)
        if path.is_dir() and (path.name == "__pycache__" or (path.name in TEST_DIRS and depth > 1)):
            shutil.rmtree(path)
        elif path.is_file() and (path.name.endswith(STRIPPED_SUFFIXES) or path.name == "py.typed"
                                 or (path.name in STRIPPED_NAMES and path.parent.name.endswith(".dist-info"))):
            path.unlink()
