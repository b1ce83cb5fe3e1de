"""A Powertools HTTP API resolver whose per-request state is per thread.

Powertools keeps the request being resolved in shared places: the event and the Lambda context
on the ``BaseRouter`` *class* (so included routers can reach them), the matched route and its
arguments in the resolver's ``context`` dict (read by the validation middleware), and the debug
stack in ``processed_stack_frames``. That is right in Lambda, where an environment handles one
invocation at a time, and wrong in the serverful backend, whose thread pool calls the same
resolvers at once: a request could read another caller's event — its JWT claims included — be
validated against another request's route, or lose its context when another request clears it
(tests/api/test_concurrent_callers.py shows all three). Powertools also builds a route's middleware
stack on the route's first call, one frame at a time on the shared route: a second thread arriving
meanwhile runs a half-built stack (the route function called with the resolver: a 500), and two
builders wrap it twice for good. The stacks are therefore built once, under a lock, before the first
request is resolved.

:class:`ThreadSafeHttpResolver` keeps those four attributes in thread-local storage shared by
every instance (a thread resolves one request at a time, and Powertools reads the event through
the ``BaseRouter`` class, not through the resolver that is resolving). Everything else is Powertools.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver


class _RequestState(threading.local):
    """What Powertools keeps about the request being resolved, one copy per thread."""

    def __init__(self) -> None:
        self.current_event: Any = None
        self.lambda_context: Any = None
        self.context: dict[str, Any] = {}
        self.processed_stack_frames: list[str] = []


_STATE = _RequestState()
_STACK_BUILD_LOCK = threading.Lock()


class _PerThread:
    """An attribute of the resolver whose value is the current thread's."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(_STATE, self._name)

    def __set__(self, instance: object, value: Any) -> None:
        setattr(_STATE, self._name, value)


class ThreadSafeHttpResolver(APIGatewayHttpResolver):
    """``APIGatewayHttpResolver`` (payload v2.0) that concurrent threads can share."""

    current_event = _PerThread()
    lambda_context = _PerThread()
    context = _PerThread()
    processed_stack_frames = _PerThread()

    _middleware_stacks_built = False

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        if not self._middleware_stacks_built:
            self._build_middleware_stacks()
        # Powertools assigns these on the BaseRouter class, which this class's attributes shadow.
        self.current_event = self._to_proxy_event(cast(dict, event))
        self.lambda_context = context
        return super().resolve(event, context)

    def _build_middleware_stacks(self) -> None:
        """Build every route's middleware stack now, as its first call would, but once and in one thread."""
        with _STACK_BUILD_LOCK:
            for route in self._static_routes + self._dynamic_routes:
                if not route._middleware_stack_built:
                    route._build_middleware_stack(router_middlewares=self._router_middlewares, app=self)
            self._middleware_stacks_built = True
