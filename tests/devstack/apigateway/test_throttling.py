"""The local gateway throttles as the stack's stage is configured: one declaration (``stack/edge.py``)."""

from __future__ import annotations

from api.functions import FUNCTIONS
from devstack.apigateway.throttling import Throttling, TokenBucket
from stack import edge
from stack.http_api import STAGE
from stack.template import synthesize
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction

UPLOAD_ROUTE = "POST /api/mocs/{id}/files"
OTHER_ROUTE = "GET /api/mocs"


class FrozenClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _granted(throttling: Throttling, route: str | None, attempts: int) -> int:
    return sum(throttling.take(route) for _ in range(attempts))


def test_an_upload_route_has_its_own_bucket_of_the_stacks_size() -> None:
    clock = FrozenClock()
    throttling = Throttling.from_edge(clock)
    assert _granted(throttling, UPLOAD_ROUTE, 150) == edge.UPLOAD_BURST == 100
    assert _granted(throttling, OTHER_ROUTE, 600) == edge.THROTTLE_BURST == 500  # the stage's bucket is untouched
    assert _granted(throttling, None, 1) == 0  # an unmatched request draws from the stage's bucket too
    clock.now += 0.05  # refills at 100/s for uploads and 1000/s for the stage
    assert _granted(throttling, UPLOAD_ROUTE, 100) == 5
    assert _granted(throttling, OTHER_ROUTE, 100) == 50


def test_the_gateways_limits_are_the_deployed_stages() -> None:
    stage = synthesize(FUNCTIONS, "r")["Resources"][STAGE]["Properties"]
    defaults = stage["DefaultRouteSettings"]
    assert (defaults["ThrottlingBurstLimit"], defaults["ThrottlingRateLimit"]) == (500, 1000)
    settings = stage["RouteSettings"].items()
    per_route = {route: (s["ThrottlingBurstLimit"], s["ThrottlingRateLimit"]) for route, s in settings}
    assert per_route == {route: (100, 100) for route in edge.UPLOAD_ROUTES}
    clock = FrozenClock()
    throttling = Throttling.from_edge(clock)
    for route, (burst, _rate) in per_route.items():
        assert _granted(throttling, route, burst + 10) == burst


def test_the_gateway_throttles_a_route_by_its_own_bucket(start_aws) -> None:
    tight_route = "GET /echo/{id}"
    routes = ("GET /echo", tight_route)
    functions = [SpecFunction("echo", f"{BEHAVIOURS}.echo", routes, public_routes=routes)]
    throttling = Throttling(TokenBucket(burst=50, rate=0.001), {tight_route: TokenBucket(burst=2, rate=0.001)})
    aws: RunningAws = start_aws(functions, throttle=throttling)
    assert [aws.get(f"/echo/{n}").status_code for n in range(3)] == [200, 200, 429]
    assert aws.get("/echo/4").json() == {"message": "Too Many Requests"}
    assert [aws.get("/echo").status_code for _ in range(3)] == [200, 200, 200]  # the stage's bucket is its own
