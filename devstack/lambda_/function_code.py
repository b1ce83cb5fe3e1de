"""What a local execution environment imports: the function's artifact and what Lambda's platform provides.

In AWS a Python function imports from ``/var/task`` (the artifact, also the working directory),
then the layers, then the runtime's own ``/var/runtime`` and ``/var/lang`` (the runtime interface
client and the SDK, boto3, that AWS's Python runtimes include): nothing else is installed. The
local environment is started the same way: ``python -S`` (no site-packages of the interpreter,
no ``.pth`` of the development install) with ``PYTHONPATH`` = the task root, the artifact's
third-party packages built for this machine by the packager (:mod:`stack.wheels`, reused by
content hash), and a platform layer holding awslambdaric and boto3 as installed here. A module
the artifact lacks fails the init locally as it would in AWS.

The task root holds only the shipped packages of ours (links to this tree, so edits are live);
``cli``, ``devstack``, ``stack`` and the tests are not importable from it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stack.artifacts import Artifacts
from stack.wheels import default_cache, installed_closure, this_machine

PLATFORM_PROVIDED = ("awslambdaric", "boto3")
"""What AWS's Python runtime provides beside the standard library: the runtime interface client and the SDK."""
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FunctionCode:
    """Where an environment's process imports from, in order."""

    task_root: Path
    """The working directory and first entry of the path, as ``/var/task`` (``LAMBDA_TASK_ROOT``)."""
    path: tuple[Path, ...] = ()
    """What follows it: the artifact's third-party packages, then the platform layer."""
    isolated: bool = True
    """``python -S``: nothing of the interpreter's site-packages. False only for test handlers in this tree."""

    @property
    def runtime_dir(self) -> Path:
        """``LAMBDA_RUNTIME_DIR``: where the runtime interface client lives."""
        return self.path[-1] if self.path else Path(sys.executable).parent

    def python_path(self) -> str:
        return os.pathsep.join(str(entry) for entry in (self.task_root, *self.path))


DEVELOPMENT_TREE = FunctionCode(REPOSITORY_ROOT, isolated=False)
"""This tree with the development virtualenv: for handlers that are not in any artifact (tests' own)."""


def _link_all(directory: Path, sources: Iterable[Path]) -> Path:
    """``directory`` holding a symbolic link to each source (made once; a concurrent maker's copy is as good)."""
    if directory.is_dir():
        return directory
    building = directory.with_name(f".{directory.name}-{os.getpid()}")
    building.mkdir(parents=True, exist_ok=True)
    for source in sources:
        link = building / source.name
        if not link.is_symlink():
            link.symlink_to(source)
    try:
        building.rename(directory)
    except OSError:  # made meanwhile by another process
        for link in building.iterdir():
            link.unlink()
        building.rmdir()
    return directory


def platform_layer(cache: Path) -> Path:
    """The platform's packages as installed here (awslambdaric, boto3 and what they require), linked."""
    pins = installed_closure(PLATFORM_PROVIDED)
    tops: set[Path] = set()
    for name in pins:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            top = file.parts[0]
            if top not in ("..", "__pycache__") and not top.endswith(".pth"):
                tops.add(Path(str(distribution.locate_file(top))))
    key = hashlib.sha256(json.dumps([sys.executable, pins], sort_keys=True).encode()).hexdigest()[:16]
    return _link_all(cache / "platform" / f"{this_machine().name}-{key}", sorted(tops))


def task_root(root: Path, packages: Iterable[str], cache: Path) -> Path:
    """A directory holding only the shipped packages of ``root`` (links to them)."""
    sources = [root / package for package in packages]
    key = hashlib.sha256(json.dumps([str(source) for source in sources]).encode()).hexdigest()[:16]
    return _link_all(cache / "task-roots" / key, sources)


def local_code(
    functions: Iterable[str], root: Path = REPOSITORY_ROOT, cache: Path | None = None
) -> dict[str, FunctionCode]:
    """Each function's code as the local Lambda runs it: its artifact for this machine, then the platform."""
    cache = cache or default_cache()
    artifacts = Artifacts(root, this_machine(), cache)
    shipped_root = task_root(root, artifacts.shipped.packages, cache)
    platform = platform_layer(cache)
    return {function: FunctionCode(shipped_root, (artifacts.third_party(function), platform)) for function in functions}
