"""Response parity between express and serverless, the way Diffy finds real differences among noise.

Each request goes to each backend **twice**. A field that differs between the
two answers of the *same* backend (a request id, a timestamp, an id a write
generated) is noise for that route and ignored; a field that differs only
*between* backends is a real difference, reported per route with both values.

Both backends share one database, so reads are replayed as they are (as the
demo user), while writes would see each other's effects: every write sequence
runs once per call slot under its own fresh user (four users: two per
backend), and user ids and the ids a sequence created are replaced by
placeholders before comparing.

Against a deployed stack there is one user, the operator's (a deployed user
pool signs no token for a user it does not know): every slot then runs as that
user (``shared_user``). The titles a sequence writes carry the slot's own tag
(replaced by ``<slot>`` before comparing), so the four sequences never collide
on a title; a list of the user's items then varies between the two calls of a
backend (the other slots' items come and go), so its varying fields count as
noise there.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runtime.telemetry import catalogue

Send = Callable[[str, str, str, Any, str], tuple[int, Any]]
"""``send(backend, method, path, json body or None, user) -> (status, parsed JSON or text)``."""

MISSING = "<missing>"


@dataclass(frozen=True)
class Step:
    method: str
    path: str  # may name {user} and ids captured by earlier steps: {moc}, {item}, {album}
    body: Any = None  # its strings may name {slot}: this sequence's own tag
    capture: str | None = None  # remember data.id of the answer under this name


# /health is left out: it reports each process's own view of its dependencies at that instant (a cold
# environment's probe can time out), which is state, not behaviour; its own tests cover it.
READS = (
    Step("GET", "/api/mocs"),
    Step("GET", "/api/mocs?page=1&limit=5"),
    Step("GET", "/api/mocs?search=castle"),
    Step("GET", "/api/mocs/{moc}"),
    Step("GET", "/api/mocs/00000000-0000-4000-8000-000000000000"),
    Step("GET", "/api/mocs?limit=0"),
    Step("GET", "/api/images"),
    Step("GET", "/api/albums"),
    Step("GET", "/api/wishlist"),
    Step("GET", "/api/users/{user}"),
)

WRITES = (
    Step("POST", "/api/mocs", {"title": "Parity castle {slot}", "type": "moc", "author": "parity",
                               "partsCount": 120}, capture="moc"),
    Step("GET", "/api/mocs/{moc}"),
    Step("PATCH", "/api/mocs/{moc}", {"title": "Parity castle {slot}, second edition"}),
    Step("POST", "/api/mocs", {"title": "Parity castle {slot}, second edition", "type": "moc"}),  # 409: same title
    Step("POST", "/api/wishlist", {"title": "Parity brick {slot}"}, capture="item"),
    Step("GET", "/api/wishlist"),
    Step("POST", "/api/albums", {"title": "Parity album {slot}"}, capture="album"),
    Step("GET", "/api/albums/{album}"),
    Step("PATCH", "/api/users/{user}", {"name": "Parity Tester"}),
    Step("GET", "/api/users/{user}"),
    Step("DELETE", "/api/wishlist/{item}"),
    Step("DELETE", "/api/albums/{album}"),
    Step("DELETE", "/api/mocs/{moc}"),
    Step("GET", "/api/mocs/{moc}"),  # 404 after the delete
)


@dataclass
class RouteReport:
    route: str
    calls: int = 0
    noise: set[str] = field(default_factory=set)
    differences: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "route": self.route, "calls": self.calls, "noise": sorted(self.noise),
            "differences": self.differences,
        }


@dataclass
class ParityReport:
    routes: dict[str, RouteReport] = field(default_factory=dict)

    @property
    def compared(self) -> int:
        return sum(report.calls for report in self.routes.values())

    @property
    def unexplained(self) -> int:
        return sum(len(report.differences) for report in self.routes.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "compared": self.compared, "unexplained": self.unexplained,
            "routes": [report.as_json() for report in self.routes.values()],
        }


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """``{field path: leaf value}``, list positions written ``[]`` so a field is one path whatever its index."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_merge_list_leaves(flatten(item, f"{path}.{key}" if path else str(key)), flat))
        return flat
    if isinstance(value, list):
        flat = {f"{path}[].length": len(value)}
        for item in value:
            flat.update(_merge_list_leaves(flatten(item, f"{path}[]"), flat))
        return flat
    return {path: value}


def _merge_list_leaves(new: dict[str, Any], seen: dict[str, Any]) -> dict[str, Any]:
    """Leaves of several list elements under one path, kept as a tuple of every element's value."""
    merged = {}
    for key, value in new.items():
        if key in seen:
            previous = seen[key]
            merged[key] = (*previous, value) if isinstance(previous, tuple) else (previous, value)
        else:
            merged[key] = value
    return merged


def differing(first: dict[str, Any], second: dict[str, Any]) -> set[str]:
    return {path for path in first.keys() | second.keys() if first.get(path, MISSING) != second.get(path, MISSING)}


def normalised(status: int, body: Any, replacements: dict[str, str]) -> dict[str, Any]:
    """The answer flattened, with every occurrence of a user id or a created id replaced by its placeholder."""
    flat = flatten({"status": status, "body": body})
    if not replacements:
        return flat
    pattern = re.compile("|".join(re.escape(value) for value in sorted(replacements, key=len, reverse=True)))
    return {path: _replace(value, pattern, replacements) for path, value in flat.items()}


def _replace(value: Any, pattern: re.Pattern[str], replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(lambda match: replacements[match.group(0)], value)
    if isinstance(value, tuple):
        return tuple(_replace(item, pattern, replacements) for item in value)
    return value


class ParityRun:
    """Sends each step to each backend twice and compares the answers."""

    def __init__(
        self, send: Send, *, read_user: str, run_id: str | None = None, shared_user: str | None = None
    ) -> None:
        self._send = send
        self._read_user = read_user
        self._run_id = run_id or uuid.uuid4().hex[:8]
        self._shared_user = shared_user
        self.report = ParityReport()

    def run(self, reads: tuple[Step, ...] = READS, writes: tuple[Step, ...] = WRITES) -> ParityReport:
        read_ids = self._read_ids()
        for step in reads:
            self._record(step, [normalised(*self._call(backend, step, read_ids), {}) for backend in catalogue.BACKENDS
                                for _copy in "ab"])
        users = {
            (backend, copy): self._shared_user or f"parity-{self._run_id}-{backend}-{copy}"
            for backend in catalogue.BACKENDS for copy in "ab"
        }
        captured: dict[tuple[str, str], dict[str, str]] = {
            slot: {"user": user, "slot": f"{self._run_id}/{slot[0]}/{slot[1]}"} for slot, user in users.items()
        }
        for step in writes:
            answers = {}
            for slot in users:
                backend, _ = slot
                ids = captured[slot]
                status, body = self._call(backend, step, ids)
                if step.capture and isinstance(body, dict) and isinstance(body.get("data"), dict):
                    ids[step.capture] = str(body["data"].get("id"))
                answers[slot] = normalised(status, body, {value: f"<{name}>" for name, value in ids.items()})
            self._record(step, [answers[(backend, copy)] for backend in catalogue.BACKENDS for copy in "ab"])
        return self.report

    def _read_ids(self) -> dict[str, str]:
        ids = {"user": self._read_user}
        status, body = self._send("express", "GET", "/api/mocs?limit=1", None, self._read_user)
        if status == 200 and body.get("data"):
            ids["moc"] = str(body["data"][0]["id"])
        else:
            ids["moc"] = "00000000-0000-4000-8000-000000000001"
        return ids

    def _call(self, backend: str, step: Step, ids: dict[str, str]) -> tuple[int, Any]:
        body = step.body
        if isinstance(body, dict) and "slot" in ids:
            body = {key: value.format(slot=ids["slot"]) if isinstance(value, str) else value
                    for key, value in body.items()}
        return self._send(backend, step.method, step.path.format(**ids), body, ids["user"])

    def _record(self, step: Step, answers: list[dict[str, Any]]) -> None:
        """``answers``: express a, express b, serverless a, serverless b."""
        express_a, express_b, serverless_a, serverless_b = answers
        route = f"{step.method} {step.path}"
        report = self.report.routes.setdefault(route, RouteReport(route))
        report.calls += 4
        report.noise |= differing(express_a, express_b) | differing(serverless_a, serverless_b)
        for path in sorted(differing(express_a, serverless_a) - report.noise):
            report.differences[path] = {
                catalogue.EXPRESS: express_a.get(path, MISSING), catalogue.SERVERLESS: serverless_a.get(path, MISSING)
            }
        for path in list(report.differences):
            if path in report.noise:  # seen to vary on its own in a later call of the same route
                del report.differences[path]
