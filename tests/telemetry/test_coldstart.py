"""Cold start: once per process (also when the first invocation fails), never under provisioned concurrency."""

from __future__ import annotations

import json

from tests.telemetry.conftest import run_python

HANDLER = """
import runtime.coldstart  # first import, as the handler modules do
import io, json, time
from runtime.telemetry.context import RequestContext
from runtime.telemetry.facade import Telemetry

emf, logs = io.StringIO(), io.StringIO()
telemetry = Telemetry.for_backend(backend="serverless", service="svc", tracing="off",
                                  emf_stream=emf, log_stream=logs)
ready_ms = (time.perf_counter() - runtime.coldstart.import_started_at()) * 1000
time.sleep(0.2)  # the environment idles until the first event
first_ms = (time.perf_counter() - runtime.coldstart.import_started_at()) * 1000

def invoke(n, fail):
    ctx = RequestContext(request_id=f"req-{n}", backend="serverless")
    try:
        with telemetry.invocation(ctx) as inv:
            ctx.route = "GET /health"
            if fail:
                raise RuntimeError("first invocation fails")
            inv.status = 200
    except RuntimeError:
        pass

for n, fail in enumerate(FAILS):
    invoke(n, fail)
docs = [json.loads(l) for l in emf.getvalue().splitlines()]
lines = [json.loads(l) for l in logs.getvalue().splitlines()]
print(json.dumps({
    "cold": sum(sum(d.get("ColdStart", [])) for d in docs),
    "init": [v for d in docs for v in d.get("InitDuration", [])],
    "flagged": [l["coldStart"] for l in lines if l["message"] == "request"],
    "statuses": [l["status"] for l in lines if l["message"] == "request"],
    "ready_ms": ready_ms,
    "first_ms": first_ms,
}))
"""


def _run(fails: list[bool], env: dict[str, str] | None = None) -> dict:
    result = run_python(HANDLER.replace("FAILS", repr(fails)), env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_cold_start_counted_once_per_process() -> None:
    out = _run([False, False, False])
    assert out["cold"] == 1
    assert out["flagged"] == [True, False, False]
    assert len(out["init"]) == 1 and out["init"][0] >= out["first_ms"]  # import start -> first invocation


def test_cold_start_counted_when_the_first_invocation_fails() -> None:
    out = _run([True, False])
    assert out["statuses"] == [500, 200]
    assert out["cold"] == 1
    assert out["flagged"] == [True, False]


def test_provisioned_concurrency_is_not_a_cold_start_but_init_is_measured() -> None:
    out = _run([False, False], env={"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"})
    assert out["cold"] == 0
    assert out["flagged"] == [False, False]
    # import start -> end of init (the facade being built), not up to the first invocation
    assert len(out["init"]) == 1 and out["init"][0] <= out["ready_ms"] < out["first_ms"]


def test_exactly_one_thread_sees_the_cold_start() -> None:
    code = """
    import runtime.coldstart as cs, threading, json
    barrier = threading.Barrier(16)
    seen = []
    def worker():
        barrier.wait()
        seen.append(cs.take_cold_start().cold)
    threads = [threading.Thread(target=worker) for _ in range(16)]
    [t.start() for t in threads]; [t.join() for t in threads]
    print(json.dumps(seen))
    """
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(result.stdout)) == [False] * 15 + [True]
