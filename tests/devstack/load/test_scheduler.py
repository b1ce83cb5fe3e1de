"""The open-loop scheduler (``brickguard load`` and the benchmarks): due times fixed by the rate, latency from them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devstack.load import scheduler
from devstack.load.mixes import Request

HOLD_S = 0.2


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        time.sleep(HOLD_S)  # the server holds every answer: the fault this test injects
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_requests_are_due_by_the_rate_and_a_full_slot_pool_shows_up_as_latency(slow_server: str) -> None:
    starts: list[float] = []
    requests = [Request("GET", f"/item/{index}") for index in range(6)]
    samples = scheduler.run([scheduler.Target("one", slow_server, {})], requests, rps=20.0,
                            max_in_flight=1, on_start=starts.append)
    assert len(starts) == 1 and len(samples) == 6
    by_due = sorted(samples, key=lambda sample: sample.due_s)
    assert [sample.path for sample in by_due] == [request.path for request in requests]
    assert [round(sample.due_s, 6) for sample in by_due] == [round(index / 20.0, 6) for index in range(6)]
    for sample in by_due:
        assert sample.status == 200
        assert sample.due_s <= sample.sent_s < sample.answered_s
        assert sample.latency_ms == pytest.approx((sample.answered_s - sample.due_s) * 1000.0)
    # one slot, each answer held: the last request waited for the five before it, and that wait is latency
    assert by_due[-1].sent_s - by_due[-1].due_s >= 5 * HOLD_S - 5 / 20.0
