"""The registry builds one breaker per catalogue dependency and applies operator pins."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from guards.breaker import STATE_CLOSED, STATE_HALF_OPEN, STATE_OPEN, BreakerConfig, BreakerOpenError, StateChange
from guards.breaker_registry import DEFAULT_CONFIGS, BreakerRegistry
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from tests.guards.conftest import FakeClock


def test_defaults_cover_every_dependency() -> None:
    registry = BreakerRegistry()
    assert set(registry) == set(catalogue.DEPENDENCIES)
    for name in catalogue.DEPENDENCIES:
        assert registry[name].name == name
        assert registry[name].config == DEFAULT_CONFIGS[name]
        assert registry[name].state == STATE_CLOSED


def test_redis_gives_up_sooner_than_postgres() -> None:
    """The cache has a fallback and PostgreSQL does not: its slow-call bar is far lower."""
    assert DEFAULT_CONFIGS["redis"].slow_call_seconds < DEFAULT_CONFIGS["opensearch"].slow_call_seconds
    assert DEFAULT_CONFIGS["opensearch"].slow_call_seconds < DEFAULT_CONFIGS["postgres"].slow_call_seconds


def test_overrides_pin_breakers_at_start(clock: FakeClock) -> None:
    registry = BreakerRegistry(DEFAULT_CONFIGS, {"redis": "open", "opensearch": "closed"}, clock=clock)
    assert registry["redis"].forced == STATE_OPEN
    with pytest.raises(BreakerOpenError):
        registry["redis"].call(int, "1")
    assert registry["opensearch"].forced == STATE_CLOSED
    assert registry["postgres"].forced is None


def test_force_and_release_by_name(clock: FakeClock) -> None:
    registry = BreakerRegistry(clock=clock)
    registry.force("postgres", "open")
    assert registry.snapshot()["postgres"]["state"] == STATE_OPEN
    registry.force("postgres", None)
    assert registry["postgres"].state == STATE_HALF_OPEN


def test_unknown_names_and_states_fail_loudly() -> None:
    with pytest.raises(ValueError, match="catalogue dependencies"):
        BreakerRegistry({"mysql": BreakerConfig()})
    with pytest.raises(KeyError, match="no breaker named"):
        BreakerRegistry(overrides={"mysql": "open"})
    with pytest.raises(ValueError, match="cannot force"):
        BreakerRegistry(overrides={"redis": "half-open"})


def test_listeners_reach_every_breaker(clock: FakeClock) -> None:
    registry = BreakerRegistry(clock=clock)
    heard: list[StateChange] = []
    registry.add_listener(heard.append)
    for name in registry:
        registry.force(name, "open")
    assert sorted(change.dependency for change in heard) == sorted(catalogue.DEPENDENCIES)


def test_snapshot_is_keyed_by_dependency(clock: FakeClock) -> None:
    snapshot = BreakerRegistry(clock=clock).snapshot()
    assert set(snapshot) == set(catalogue.DEPENDENCIES)
    assert all(snap["dependency"] == name for name, snap in snapshot.items())
