"""call_within: the caller stops waiting at its bound; what the call produces late is discarded, never lost."""

from __future__ import annotations

import threading

import pytest

from guards.bounded_wait import WaitExpired, call_within

BOUND_S = 10.0  # joins and waits below only guard against a hang


def test_a_result_in_time_is_returned_and_nothing_is_discarded():
    discarded: list[object] = []
    assert call_within(BOUND_S, lambda: "connection", discard=discarded.append) == "connection"
    assert discarded == []


def test_an_error_in_time_is_raised_unchanged():
    def refuse() -> str:
        raise ConnectionRefusedError("refused")

    with pytest.raises(ConnectionRefusedError, match="refused"):
        call_within(BOUND_S, refuse, discard=lambda _result: None)


def test_the_caller_gives_up_while_the_call_blocks_and_the_late_result_is_discarded():
    release = threading.Event()
    discarded = threading.Event()
    late: list[object] = []

    def blocked_handshake() -> str:
        release.wait(BOUND_S)
        return "late connection"

    def discard(result: object) -> None:
        late.append(result)
        discarded.set()

    with pytest.raises(WaitExpired):
        call_within(0.05, blocked_handshake, discard=discard)  # the call cannot finish before it is released
    assert late == []
    release.set()
    assert discarded.wait(BOUND_S)
    assert late == ["late connection"]


def test_wait_expired_is_a_timeout():
    assert issubclass(WaitExpired, TimeoutError)  # callers that map timeouts to 504 catch it
