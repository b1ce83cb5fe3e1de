"""A bad deployment for ``brickguard chaos lambda init-error``: new environments fail their init, for real.

The fault goes in through the function's environment, as a broken deploy would reach it: the
environments start with ``PYTHONSAFEPATH=1`` and ``PYTHONPATH`` led by a directory holding a package
of the handler's name whose ``__init__`` imports a module that is not there. The runtime's import of
the handler fails with ``ModuleNotFoundError``; ``awslambdaric`` reports it on the Runtime API's
``/init/error``, the platform logs ``INIT_REPORT … Status: error`` and API Gateway answers
``500 {"message":"Internal Server Error"}`` — what a deployment package missing a dependency does
in AWS. Like a new version, the current environments are stopped, so every invocation from now on
is a cold start that fails. ``heal`` deploys the functions as configured again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

MISSING_MODULE = "brickguard_chaos_missing_dependency"

Redeploy = Callable[[Sequence[str], Mapping[str, str]], int]
"""``redeploy(functions, variables)``: new environments get ``variables``; returns environments stopped."""


def broken_artifact(directory: Path, package: str) -> Path:
    """A directory shadowing ``package`` with one whose import fails; written once, reused."""
    init = directory / package / "__init__.py"
    init.parent.mkdir(parents=True, exist_ok=True)
    init.write_text(f"import {MISSING_MODULE}  # injected by `brickguard chaos lambda init-error`\n")
    return directory


class InitFault:
    """Breaks and heals the init of the local functions."""

    def __init__(self, redeploy: Redeploy, handlers: Mapping[str, str], scratch: Path) -> None:
        self._redeploy = redeploy
        self._handlers = dict(handlers)
        self._scratch = scratch
        self.broken: set[str] = set()

    @property
    def functions(self) -> list[str]:
        return sorted(self._handlers)

    def break_init(self, functions: Sequence[str]) -> int:
        stopped = 0
        for function in functions:
            package = self._handlers[function].split(".")[0]
            shadow = broken_artifact(self._scratch / "broken-artifact", package)
            variables = {"PYTHONSAFEPATH": "1", "PYTHONPATH": str(shadow)}
            stopped += self._redeploy([function], variables)
            self.broken.add(function)
        return stopped

    def heal(self) -> list[str]:
        healed = sorted(self.broken)
        if healed:
            self._redeploy(healed, {})
        self.broken.clear()
        return healed
