"""Operator endpoints of the serverful backend: breaker status and forcing, for incident response.

Served only to loopback clients that present the admin token kept in the data
directory (``admin-token``, mode 0600), which ``brickguard breaker`` reads.
The runtime knows nothing about breakers: the composition root hands in the
two callables.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ADMIN_PREFIX = "/_brickguard/"
ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 - a file name, not a secret
ADMIN_HEADER = "X-Brickguard-Admin"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
ACTIONS = {"open": "open", "close": "closed", "release": None}

StatusFn = Callable[[], dict[str, Any]]
ForceFn = Callable[[str, str | None], None]
# (target, action, backend or None, latency ms, further options such as rate or function) -> {"did", "undo"};
# raises ValueError for a refused action
ChaosFn = Callable[[str, str, str | None, float, Mapping[str, str]], dict[str, Any]]


def admin_token(data_dir: str | Path, *, create: bool) -> str | None:
    """The admin token of the data directory (created on ``up``, read by the CLI)."""
    path = Path(data_dir) / ADMIN_TOKEN_FILE
    if path.exists():
        return path.read_text().strip()
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.write_text(token)
    path.chmod(0o600)
    return token


class AdminEndpoints:
    """``GET /_brickguard/breakers``, ``POST /_brickguard/breakers/{name}/{open|close|release}`` and
    ``POST /_brickguard/chaos/{target}/{action}/{backend|both}/{latency_ms}[?rate=R&function=NAME]`` (when
    ``chaos`` is given)."""

    def __init__(self, token: str, status: StatusFn, force: ForceFn, chaos: ChaosFn | None = None) -> None:
        self._token = token
        self._status = status
        self._force = force
        self._chaos = chaos

    def handle(self, method: str, path: str, remote_addr: str, presented: str | None,
               query: str = "") -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for an admin request."""
        if remote_addr not in LOOPBACK:
            return 403, {"error": "admin endpoints answer loopback clients only"}
        if presented is None or not hmac.compare_digest(presented, self._token):
            return 401, {"error": f"missing or wrong {ADMIN_HEADER} header"}
        parts = path[len(ADMIN_PREFIX):].strip("/").split("/")
        if parts == ["breakers"] and method == "GET":
            return 200, self._status()
        if len(parts) == 3 and parts[0] == "breakers" and method == "POST" and parts[2] in ACTIONS:
            try:
                self._force(parts[1], ACTIONS[parts[2]])
            except (KeyError, ValueError) as exc:
                return 404, {"error": str(exc).strip("'\"")}
            return 200, self._status()
        if len(parts) == 5 and parts[0] == "chaos" and method == "POST" and self._chaos is not None:
            return self._chaos_action(*parts[1:], options=dict(parse_qsl(query)))
        return 404, {"error": "unknown admin endpoint"}

    def _chaos_action(self, target: str, action: str, backend: str, latency: str, *,
                      options: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        assert self._chaos is not None
        try:
            latency_ms = float(latency)
        except ValueError:
            return 400, {"error": f"latency {latency!r} is not a number of milliseconds"}
        try:
            return 200, self._chaos(target, action, None if backend == "both" else backend, latency_ms, options)
        except ValueError as exc:
            return 409, {"error": str(exc)}


def json_payload(body: dict[str, Any]) -> bytes:
    return json.dumps(body, indent=2, default=str).encode()
