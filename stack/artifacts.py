"""Each function's artifact: our shipped packages plus the third-party packages its groups declare.

A function carries the ``every-function`` groups and its own (``[tool.brickguard.package]``):
health does not carry Pillow, gallery does. Functions declaring the same groups get the same bytes
(one zip, one S3 object); a set of groups is installed once per target (:mod:`stack.wheels`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from stack.package import CodePackage, build
from stack.shipped import Shipped
from stack.wheels import Target, third_party


class Artifacts:
    """Builds (and remembers, per set of requirements) the artifacts of one tree for one target."""

    def __init__(self, root: Path, target: Target, cache: Path | None = None) -> None:
        self.root = root
        self.target = target
        self.cache = cache
        self.shipped = Shipped.read(root / "pyproject.toml")
        self._packages: dict[tuple[str, ...], CodePackage] = {}

    def third_party(self, function: str) -> Path:
        """The directory of ``function``'s third-party packages, installed for the target."""
        return third_party(self.shipped.requirements(function), self.target, self.cache, self.shipped.leave_out)

    def package(self, function: str) -> CodePackage:
        """``function``'s deployment zip (raises :class:`~stack.package.PackageTooLarge` past the limit)."""
        key = self.shipped.requirements(function)
        if key not in self._packages:
            self._packages[key] = build(self.root, self.shipped.packages, self.third_party(function))
        return self._packages[key]

    def packages(self, functions: Iterable[str]) -> dict[str, CodePackage]:
        return {function: self.package(function) for function in functions}
