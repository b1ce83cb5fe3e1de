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
from stack.wheels import Target, default_cache, third_party


class Artifacts:
    """Builds (and remembers, per set of requirements) the artifacts of one tree for one target."""

    def __init__(self, root: Path, target: Target, cache: Path | None = None) -> None:
        self.root = root
        self.target = target
        self.cache = cache or default_cache()
        self.shipped = Shipped.read(root / "pyproject.toml")
        self._packages: dict[tuple[str, ...], CodePackage] = {}

    def third_party(self, function: str) -> Path:
        """The directory of ``function``'s third-party packages, installed for the target."""
        return third_party(self.shipped.requirements(function), self.target, self.cache, self.shipped.leave_out)

    def package(self, function: str) -> CodePackage:
        """``function``'s deployment zip (raises :class:`~stack.package.PackageTooLarge` past the limit)."""
        return self._build(self.shipped.requirements(function))

    def packages(self, functions: Iterable[str]) -> dict[str, CodePackage]:
        """Each function's zip; functions declaring the same groups share one (built once)."""
        return {function: self.package(function) for function in functions}

    def _build(self, requirements: tuple[str, ...]) -> CodePackage:
        if requirements not in self._packages:
            site = third_party(requirements, self.target, self.cache, self.shipped.leave_out)
            # the site directory's name is a content hash of what was installed into it (stack.wheels)
            self._packages[requirements] = build(self.root, self.shipped.packages, site, self.cache,
                                                 self.shipped.exclude, third_party_key=site.name)
        return self._packages[requirements]
