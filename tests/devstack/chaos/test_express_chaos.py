"""Express's own outages for ``brickguard chaos express``, on a real waitress server with a control listener."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests

from devstack.chaos.controller import ChaosController, ChaosError
from devstack.chaos.express_backend import ErrorShare, ExpressListener
from devstack.embedded import free_port
from runtime.serverful.server import create_server


def _hello(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = json.dumps({"path": environ["PATH_INFO"]}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def express() -> Iterator[tuple[ExpressListener, ErrorShare, str, str]]:
    """A waitress server (public + control listener) in a thread, with the listener switch and the error share."""
    port = free_port()
    listener = ExpressListener()
    errors = ErrorShare(lambda: listener.port, lambda path: path.startswith("/api/"), draw=lambda: 0.5)
    server = create_server(errors.wrapping(_hello), host="127.0.0.1", port=port, control_port=0)
    listener.attach(server, port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield listener, errors, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{listener.control_port()}"
    server.close()
    thread.join(timeout=10)


def test_a_stopped_listener_refuses_and_resets_while_the_control_listener_answers(express) -> None:
    listener, _, public, control = express
    controller = ChaosController(servers={}, proxies={}, express=listener, express_errors=ErrorShare(
        lambda: 0, lambda path: True))
    kept = http.client.HTTPConnection(public.removeprefix("http://").split(":")[0], int(public.rsplit(":", 1)[1]),
                                      timeout=10)
    kept.request("GET", "/api/x")
    assert kept.getresponse().read()  # a keep-alive connection, open when the listener stops

    stopped = controller.act("express", "stop")
    assert "closed (1 open connection(s) reset)" in stopped.did and stopped.undo == "brickguard chaos express start"
    with pytest.raises(requests.ConnectionError):
        requests.get(public + "/api/x", timeout=5)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        kept.request("GET", "/api/x")
        kept.getresponse().read()
    assert requests.get(control + "/api/x", timeout=5).status_code == 200
    assert "already stopped" in controller.act("express", "stop").did

    assert "listens on port" in controller.act("express", "start").did
    assert requests.get(public + "/api/x", timeout=5).json() == {"path": "/api/x"}
    assert "already listening" in controller.act("express", "start").did


def test_an_error_share_answers_500_on_the_public_port_for_api_routes_only(express) -> None:
    listener, errors, public, control = express
    controller = ChaosController(servers={}, proxies={}, express=listener, express_errors=errors)
    with pytest.raises(ChaosError, match="--rate"):
        controller.act("express", "errors")
    done = controller.act("express", "errors", rate=0.6)  # every draw (0.5) falls inside the share
    assert done.undo == "brickguard chaos express heal"
    failed = requests.get(public + "/api/mocs", timeout=5)
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert requests.get(public + "/dashboard", timeout=5).status_code == 200  # not an API route
    assert requests.get(control + "/api/mocs", timeout=5).status_code == 200  # the operators' port
    controller.act("express", "errors", rate=0.4)  # no draw (0.5) falls inside the share
    assert requests.get(public + "/api/mocs", timeout=5).status_code == 200
    controller.act("express", "errors", rate=1.0)
    controller.act("express", "heal")
    assert requests.get(public + "/api/mocs", timeout=5).status_code == 200


def test_express_and_lambda_actions_without_their_backend_say_why() -> None:
    controller = ChaosController(servers={}, proxies={})
    for args, words in (
        (("express", "stop"), "express does not run"),
        (("express", "explode"), "no action 'explode'"),
        (("lambda", "init-error"), "no local Lambda pool"),
        (("lambda", "heal"), "no local Lambda pool"),
        (("lambda", "explode"), "one of reap, init-error, heal"),
    ):
        with pytest.raises(ChaosError, match=words):
            controller.act(*args)
