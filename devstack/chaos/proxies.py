"""One fault proxy per backend and dependency, and the dependency URLs rewritten to go through them.

A backend given ``redis://127.0.0.1:6379/0`` is handed ``redis://127.0.0.1:<proxy>/0`` instead; the
user, password, database and query stay as they were. URLs without a TCP host and port (a unix
socket, ``postgresql:///db?host=/sock``) cannot be proxied and are handed over unchanged — the
chaos command then says that dependency has no proxy for that backend. ``rediss``/``https`` pass
through as bytes: TLS is end to end, the proxy only delays, holds or refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from devstack.chaos.proxy import FaultProxy, ProxyProcess

DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "rediss": 6379, "http": 80, "https": 443}


def _endpoint(url: str) -> tuple[str, int] | None:
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    return (parts.hostname, port) if port else None


def through(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the proxy's (credentials kept)."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class ProxySet:
    """Every (backend, dependency) proxy of one ``up``, in one proxy process; stopped together."""

    def __init__(self) -> None:
        self.proxies: dict[tuple[str, str], FaultProxy] = {}
        self._process = ProxyProcess()

    def route(self, backend: str, urls: Mapping[str, str | None]) -> dict[str, str | None]:
        """Start a proxy for each proxiable dependency URL of ``backend``; the URLs it should use."""
        routed: dict[str, str | None] = {}
        for dependency, url in urls.items():
            endpoint = _endpoint(url) if url else None
            if url is None or endpoint is None:
                routed[dependency] = url
                continue
            proxy = FaultProxy(self._process, f"{backend}-{dependency}", *endpoint)
            self.proxies[(backend, dependency)] = proxy
            routed[dependency] = through(url, proxy.port)
        return routed

    def stop(self) -> None:
        self._process.stop()
