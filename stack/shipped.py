"""What ships, as ``pyproject.toml`` declares it: nothing else lists a shipped dependency.

The project's extras group the dependencies by where they run (``ships`` for every Lambda function
and the express server, ``ships-*`` for what only some functions' routes import, ``local``,
``tools``); ``[tool.brickguard.package]`` names our packages in the artifact and which groups each
function carries. Read with :mod:`tomllib`, so the packager and the local Lambda build from the
same lines ``pip install -e .`` installs from.

Example::

    >>> shipped = Shipped({"project": {"optional-dependencies": {"ships": ["tenacity>=8.2"],
    ...     "ships-images": ["pillow>=11"]}}, "tool": {"brickguard": {"package": {"packages": ["api"],
    ...     "every-function": ["ships"], "functions": {"gallery": ["ships-images"]}}}}})
    >>> shipped.requirements("health"), shipped.requirements("gallery")
    (('tenacity>=8.2',), ('tenacity>=8.2', 'pillow>=11'))
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ShippedError(ValueError):
    """The declaration is missing or names a group that does not exist."""


class Shipped:
    """The shipped part of one ``pyproject.toml``."""

    def __init__(self, pyproject: Mapping[str, Any]) -> None:
        self._groups: Mapping[str, list[str]] = pyproject.get("project", {}).get("optional-dependencies", {})
        package = pyproject.get("tool", {}).get("brickguard", {}).get("package")
        if not package:
            raise ShippedError("pyproject.toml has no [tool.brickguard.package] table")
        self.packages: tuple[str, ...] = tuple(package["packages"])
        self.exclude: tuple[str, ...] = tuple(package.get("exclude", ()))
        """Folders of those packages that stay out (the express-only serverful backend)."""
        self._every_function: tuple[str, ...] = tuple(package["every-function"])
        self._per_function: Mapping[str, list[str]] = package.get("functions", {})
        self.leave_out: tuple[str, ...] = tuple(package.get("leave-out", ()))
        """Distributions a shipped one requires that nothing shipped imports: removed from the artifacts."""
        for group in (*self._every_function, *(g for groups in self._per_function.values() for g in groups)):
            if group not in self._groups:
                raise ShippedError(f"[tool.brickguard.package] names {group!r}, not an extra of the project")

    @classmethod
    def read(cls, pyproject: Path) -> Shipped:
        with pyproject.open("rb") as file:
            return cls(tomllib.load(file))

    def groups(self, function: str) -> tuple[str, ...]:
        """The extras ``function``'s artifact carries, the common ones first."""
        return (*self._every_function, *self._per_function.get(function, ()))

    def requirements(self, function: str) -> tuple[str, ...]:
        """The requirement strings of ``function``'s third-party packages, as declared."""
        return tuple(requirement for group in self.groups(function) for requirement in self._groups[group])
