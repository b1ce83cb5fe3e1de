"""The local front door: one port that splits requests between the backends by the Route53 weights.

In production the API's name resolves through two weighted records, so each
client lands on express or serverless in proportion to the weights. Locally the
same records live in the moto server under ``brickguard up``, and this proxy
re-reads them every ``refresh_s`` (a resolver honouring a very short TTL) and
picks a backend per request with those weights, so ``brickguard rollout
advance`` and ``rollback`` change what ``brickguard load`` and the dashboard see.
Each answer carries ``X-Brickguard-Backend`` naming the backend that served it, and
``on_answer(backend, status, elapsed_ms)`` hears of each (status None: the backend could not be
reached) — the express share's load balancer metrics come from there (``devstack/elb``).

``GET /config.json`` is not proxied: it answers the local ``/config.json`` from the config bucket,
as the frontend's CDN does in AWS (``Cache-Control: max-age=60``).
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import requests

from stack.rollout_contract import CONFIG_CACHE_CONTROL

BACKEND_HEADER = "X-Brickguard-Backend"
CONFIG_PATH = "/config.json"
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length", "host", "content-encoding",
})
log = logging.getLogger("brickguard.devstack.front_door")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class FrontDoor:
    """A WSGI app proxying each request to one backend, chosen by the current weights."""

    def __init__(
        self,
        urls: dict[str, str],
        read_weights: Callable[[], dict[str, int]],
        *,
        refresh_s: float = 1.0,
        choose: Callable[[list[str], list[int]], str] = lambda names, weights: random.choices(names, weights)[0],
        on_answer: Callable[[str, int | None, float], None] | None = None,
        config_document: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self._urls = urls
        self._config_document = config_document
        self._read_weights = read_weights
        self._refresh_s = refresh_s
        self._choose = choose
        self._on_answer = on_answer or (lambda backend, status, elapsed_ms: None)
        self._weights = {name: (100 if name == "express" else 0) for name in urls}
        self._local = threading.local()
        self._stop = threading.Event()
        self.refresh()

    @property
    def weights(self) -> dict[str, int]:
        return dict(self._weights)

    def refresh(self) -> None:
        """Re-read the weights; on failure keep the last ones (as a resolver keeps its cached answer)."""
        try:
            self._weights = {name: weight for name, weight in self._read_weights().items() if name in self._urls}
        except Exception:  # any failure of the local AWS: serve with what we know
            log.warning("front door: weights unreadable, keeping %s", self._weights, exc_info=True)

    def run_refresh(self) -> None:
        while not self._stop.wait(self._refresh_s):
            self.refresh()

    def stop(self) -> None:
        self._stop.set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self._config_document and environ.get("PATH_INFO") == CONFIG_PATH and environ["REQUEST_METHOD"] == "GET":
            start_response("200 OK", [("Content-Type", "application/json"), ("Cache-Control", CONFIG_CACHE_CONTROL)])
            return [json.dumps(self._config_document()).encode()]
        names = [name for name, weight in self._weights.items() if weight > 0] or ["express"]
        backend = self._choose(names, [max(self._weights.get(name, 0), 1) for name in names])
        path = environ.get("PATH_INFO") or "/"
        query = environ.get("QUERY_STRING")
        url = self._urls[backend] + path + (f"?{query}" if query else "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        started = time.perf_counter()
        try:
            answer = self._session().request(
                environ["REQUEST_METHOD"], url, data=body, headers=headers, timeout=130, allow_redirects=False
            )
        except requests.RequestException:
            self._on_answer(backend, None, (time.perf_counter() - started) * 1000)
            start_response("502 Bad Gateway", [("Content-Type", "application/json"), (BACKEND_HEADER, backend)])
            return [b'{"message": "Bad Gateway"}']
        self._on_answer(backend, answer.status_code, (time.perf_counter() - started) * 1000)
        out = [(key, value) for key, value in answer.headers.items() if key.lower() not in HOP_BY_HOP]
        out.append((BACKEND_HEADER, backend))
        start_response(f"{answer.status_code} {answer.reason}", out)
        return [answer.content]

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session
