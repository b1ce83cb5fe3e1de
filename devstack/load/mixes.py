"""Request mixes: what one user of the LEGO Projects API does, weighted, identical for both backends.

Each mix is a list of weighted request templates; :func:`plan` draws the whole run's sequence up
front from a seeded generator, so both backends get exactly the same requests in the same order
(the comparison is paired by construction). Templates refer to MOC ids the run found for the user
(``{moc}``) and to search terms taken from the demo data.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SEARCH_TERMS = ("bookshop", "shuttle", "blacksmith", "castle", "train", "space", "modular", "micro")


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request of a run."""

    method: str
    path: str
    body: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        """What the request does, for the summary: ``GET /api/mocs/{id}`` rather than one line per id."""
        head = self.path.split("?", 1)[0]
        parts = ["{id}" if len(part) >= 16 else part for part in head.split("/")]
        return f"{self.method} {'/'.join(parts)}{'?search' if 'search=' in self.path else ''}"


@dataclass(frozen=True, slots=True)
class Template:
    weight: int
    method: str
    path: str
    body: dict[str, Any] | None = None


MIXES: dict[str, tuple[Template, ...]] = {
    "read-heavy": (
        Template(60, "GET", "/api/mocs/{moc}"),
        Template(30, "GET", "/api/mocs"),
        Template(10, "GET", "/api/mocs?search={term}"),
    ),
    "write-heavy": (
        Template(30, "POST", "/api/mocs", {"type": "moc", "title": "Load test build {n}", "author": "load"}),
        Template(30, "PATCH", "/api/mocs/{moc}", {"description": "touched by brickguard load {n}"}),
        Template(40, "GET", "/api/mocs/{moc}"),
    ),
    "search": (
        Template(90, "GET", "/api/mocs?search={term}"),
        Template(10, "GET", "/api/mocs"),
    ),
}


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


def plan(mix: str, count: int, moc_ids: Sequence[str], seed: int = 7) -> list[Request]:
    """``count`` requests of ``mix``, drawn reproducibly; every template needing a MOC id gets a real one."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
    if not moc_ids:
        raise ValueError("the user has no MOC to read: load needs the demo data (brickguard up loads it)")
    templates = MIXES[mix]
    generator = random.Random(seed)
    chosen = generator.choices(templates, weights=[template.weight for template in templates], k=count)
    requests = []
    for number, template in enumerate(chosen):
        values = {"moc": generator.choice(moc_ids), "term": generator.choice(SEARCH_TERMS), "n": str(number)}
        requests.append(Request(template.method, _fill(template.path, values), _fill(template.body, values)))
    return requests
