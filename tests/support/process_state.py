"""Process-wide state every test hands back as it found it: the guard runtime's and moto's.

The in-order worker runs most of the suite in one process (``tests/conftest.py``, ``WAITING_ON_UP``).
A test that leaves ``runtime.process``'s guard, the recorder's dimensions or sinks, the tracer, or
moto's process-wide config changed breaks another test far later, and only in a whole run (an EMF
document tagged ``express``; moto's Lambda API reading a docker-less backend that CloudFormation
never wrote to). This autouse fixture brackets every test and its function-scoped fixtures, and
fails the test that changed the state, at its teardown, naming what changed. What a broader
fixture sets up (the API's guard, ``api_dependencies``, a session fixture) is the state every later
test hands back, also when a test reaches it inside the bracket (``request.getfixturevalue``).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Generator, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.guard_process import recording_alone


@cache
def _moto_defaults() -> dict[str, Any] | None:
    """moto's config as its source declares it, read without importing moto (its import hooks every boto3 client)."""
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "core" / "config.py"
    source = importlib.util.spec_from_file_location("_moto_config_as_shipped", path)
    if source is None or source.loader is None:
        return None
    module = importlib.util.module_from_spec(source)
    source.loader.exec_module(module)
    return dict(module.default_user_config)


def snapshot() -> dict[str, Any]:
    """The process-wide state a test may change only if it puts it back."""
    from runtime import process
    from runtime.telemetry import recorder, tracing

    moto_config = sys.modules.get("moto.core.config")  # imported only by the tests that run moto in-process
    return {
        "runtime.process's guard": process._current,
        "the recorder's dimensions": dict(recorder._defaults),
        "the recorder's sinks": tuple(sorted(recorder._sinks, key=id)),
        "the installed tracer": tracing.installed(),
        "moto's config (/moto-api/config)": (
            copy.deepcopy(moto_config.default_user_config) if moto_config is not None else _moto_defaults()
        ),
    }


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, tuple) and isinstance(new, tuple):
        return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
    return old == new if isinstance(old, dict) else old is new


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs, one line each: objects by identity, dimensions and config by value."""
    return [f"{name}: {before[name]!r} -> {after[name]!r}" for name in before if not _same(before[name], after[name])]


def foreign_records(before: dict[str, Any]) -> list[str]:
    """Metrics buffered in the sinks installed before the test under another service or backend than theirs.

    A test that installs its own telemetry (or sink and dimensions) beside the process guard's also
    records into the guard's EMF buffer, tagged with the test's backend; the guard prints them with
    the next request it serves, in whichever later test that is.
    """
    expected = before["the recorder's dimensions"]
    found = []
    for sink in before["the recorder's sinks"]:
        pending = [*getattr(sink, "_dirty", ()), *(stamped[1] for stamped in getattr(sink, "_stamped", ()))]
        for group in pending:
            tagged = {name: group.dimensions[name] for name in expected if name in group.dimensions}
            if any(expected[name] != value for name, value in tagged.items()):
                found.append(f"{sink!r} holds {sorted(group.values) or 'stamped values'} tagged {tagged}")
    return found


_open: list[dict[str, Any]] = []
"""The state the running test must hand back (one entry while a test runs)."""


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any]) -> Generator[None, Any, Any]:
    """A broader fixture set up while a test runs sets the state that test must hand back."""
    if fixturedef.scope == "function" or not _open:
        return (yield)
    before = snapshot()
    try:
        return (yield)
    finally:
        after = snapshot()
        for name in before:
            if not _same(before[name], after[name]):
                _open[-1][name] = after[name]


@pytest.fixture(autouse=True)
def _process_state_is_handed_back() -> Iterator[None]:
    before = snapshot()
    already = foreign_records(before)
    _open.append(before)
    try:
        yield
    finally:
        _open.pop()
    changed = changes(before, snapshot()) + [line for line in foreign_records(before) if line not in already]
    if changed:
        pytest.fail("this test or one of its function-scoped fixtures left process-wide state changed; restore it "
                    "where it is changed:\n  " + "\n  ".join(changed), pytrace=False)


@pytest.fixture
def process_sinks_out() -> Iterator[None]:
    """The test records alone (its own telemetry, another backend): the process's sinks are out until it ends."""
    with recording_alone():
        yield
