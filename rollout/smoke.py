"""The smoke flow a rollout runs against the deployed edge: read, write, read back, delete, per backend.

The gate judges traffic that already flows; the smoke flow asks the deployment itself, right after
a step moved the weights, whether a signed-in user can still do the basic things on *each* backend —
through the same edge users reach (API Gateway's URL for serverless, express's load balancer), with a
real token. One MOC per backend and run, named with the run's id so two runs never collide (a MOC
title is unique per user): list, create, read it back (same title), delete it, and see it gone (404).
A backend's flow stops at its first failed step (what follows would fail for the same reason), except
that a MOC it created is still deleted.

The flow is data, like the parity mix (:mod:`rollout.parity`), and the caller hands over ``send``, so
the same flow runs from ``brickguard rollout smoke`` and after each ``rollout advance`` step.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Send = Callable[[str, str, str, Any], tuple[int | None, Any]]
"""``send(backend, method, path, json body or None) -> (status or None when nothing answered, parsed body or why)``."""


@dataclass(frozen=True)
class SmokeStep:
    name: str
    method: str
    path: str  # may name {moc}, the id the write created
    expected: int
    body: Any = None


def steps(title: str) -> tuple[SmokeStep, ...]:
    """The flow for one backend; ``title`` makes this run's MOC unique."""
    return (
        SmokeStep("read", "GET", "/api/mocs?limit=1", 200),
        SmokeStep("write", "POST", "/api/mocs", 201, {"title": title, "type": "moc", "author": "rollout smoke"}),
        SmokeStep("read back", "GET", "/api/mocs/{moc}", 200),
        SmokeStep("delete", "DELETE", "/api/mocs/{moc}", 200),
        SmokeStep("gone", "GET", "/api/mocs/{moc}", 404),
    )


@dataclass
class StepResult:
    name: str
    method: str
    path: str
    expected: int
    status: int | None
    elapsed_ms: float
    problem: str | None = None
    answer: Any = None  # kept only when the step failed: what the edge said

    def as_json(self) -> dict[str, Any]:
        body = {
            "step": self.name, "request": f"{self.method} {self.path}", "expected": self.expected,
            "status": self.status, "elapsed_ms": round(self.elapsed_ms, 1), "ok": self.problem is None,
        }
        if self.problem is not None:
            body.update(problem=self.problem, answer=self.answer)
        return body


@dataclass
class BackendSmoke:
    backend: str
    url: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.problem is None for step in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"backend": self.backend, "url": self.url, "passed": self.passed,
                "steps": [step.as_json() for step in self.steps]}


@dataclass
class SmokeReport:
    backends: list[BackendSmoke]

    @property
    def passed(self) -> bool:
        return bool(self.backends) and all(backend.passed for backend in self.backends)

    def failures(self) -> list[str]:
        """One line per failed step: backend, step, request and what went wrong."""
        return [
            f"{backend.backend} ({backend.url}) {step.name}: {step.method} {step.path} — {step.problem}"
            for backend in self.backends for step in backend.steps if step.problem is not None
        ]

    def summary(self) -> str:
        """One line: what passed where, or how many steps failed."""
        count = sum(len(backend.steps) for backend in self.backends)
        names = ", ".join(backend.backend for backend in self.backends)
        if self.passed:
            return f"smoke passed: {count} steps on {names} (read, write, read back, delete)"
        return f"smoke FAILED: {len(self.failures())} of {count} steps on {names}"

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "backends": [backend.as_json() for backend in self.backends]}


def run_smoke(
    send: Send,
    urls: Mapping[str, str],
    *,
    run_id: str | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> SmokeReport:
    """The flow on each backend of ``urls`` (``{backend: edge URL}``, the URL only reported)."""
    run = run_id or uuid.uuid4().hex[:8]
    return SmokeReport([_one_backend(send, backend, url, f"rollout smoke {run} {backend}", clock)
                        for backend, url in urls.items()])


def _one_backend(send: Send, backend: str, url: str, title: str, clock: Callable[[], float]) -> BackendSmoke:
    result = BackendSmoke(backend, url)
    ids: dict[str, str] = {}
    for step in steps(title):
        failed = any(done.problem is not None for done in result.steps)
        if failed and not (step.name == "delete" and "moc" in ids):
            continue  # the flow stops at its first failure, except to delete the MOC it created
        path = step.path.format(**ids)
        started = clock()
        status, answer = send(backend, step.method, path, step.body)
        outcome = StepResult(step.name, step.method, path, step.expected, status, (clock() - started) * 1000)
        outcome.problem = _problem(step, status, answer, title)
        if outcome.problem is not None:
            outcome.answer = answer
        result.steps.append(outcome)
        if step.name == "write" and status == step.expected and isinstance(answer, dict):
            created = answer.get("data")
            if isinstance(created, dict) and created.get("id"):
                ids["moc"] = str(created["id"])
    return result


def _problem(step: SmokeStep, status: int | None, answer: Any, title: str) -> str | None:
    if status is None:
        return f"no answer: {answer}"
    if status != step.expected:
        return f"answered {status}, expected {step.expected}"
    if step.name == "write" and not (isinstance(answer, dict) and isinstance(answer.get("data"), dict)
                                     and answer["data"].get("id")):
        return "the created MOC has no id in the answer"
    if step.name == "read back":
        data = answer.get("data") if isinstance(answer, dict) else None
        seen = data.get("title") if isinstance(data, dict) else None
        if seen != title:
            return f"read back title {seen!r}, wrote {title!r}"
    return None
