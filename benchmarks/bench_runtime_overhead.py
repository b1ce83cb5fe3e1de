"""What the telemetry facade costs per invocation and at import, against the plain Powertools stack.

Warm invocations (each mode in a fresh child process, variants interleaved round
by round so machine noise hits them alike, best round per variant):

* ``bare``              — the trivial handler called directly;
* ``brickguard``        — the handler inside ``Telemetry.invocation`` (request context, 4 metric
                           records, one EMF flush, one access line);
* ``powertools``        — the plain stack: ``Logger.inject_lambda_context`` + ``Metrics.log_metrics``
                           + ``Tracer.capture_lambda_handler`` around the same handler;
* ``powertools+output`` — that stack also writing what brickguard writes (the 4 request metrics
                           with a route dimension and one access line), i.e. what a team would
                           hand-write without the runtime.

Mode ``off``: tracing off (brickguard ``tracing=off``; the Powertools Tracer disables itself
outside Lambda). Mode ``xray``: the child runs with Lambda's environment (``LAMBDA_TASK_ROOT``,
a sampled ``_X_AMZN_TRACE_ID``) and ``AWS_XRAY_DAEMON_ADDRESS`` pointing at a UDP socket on
loopback, so both brickguard and the Powertools Tracer really send subsegments.
All output goes to ``/dev/null``.

Cold import: ``python -c`` of a module importing ``runtime.coldstart`` + the facade + the
Powertools HTTP resolver and building the telemetry, against one importing the Powertools
stack + resolver and building Logger/Metrics/Tracer; measured in-process (import start to
ready) and as whole-process wall time, N interleaved runs.

Run: ``python benchmarks/bench_runtime_overhead.py [--quick]``; figures go to
docs/performance.md between ``<!-- bench:runtime -->`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "performance.md"
SECTION = "runtime"

WARM_CHILD = r"""
import json, os, sys, time
real_stdout = os.fdopen(os.dup(1), "w")
sys.stdout = open(os.devnull, "w")
os.dup2(sys.stdout.fileno(), 1)

import runtime.coldstart
from aws_lambda_powertools import Logger, Metrics, Tracer
from runtime.telemetry.context import RequestContext
from runtime.telemetry.facade import Telemetry

MODE, CALLS, ROUNDS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ROUTE = "GET /health"

class LambdaContext:
    function_name = "health"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:health"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

EVENT = {"version": "2.0", "rawPath": "/health", "requestContext": {"http": {"method": "GET"}}}
LC = LambdaContext()

def handler(event, context):
    return {"statusCode": 200, "body": "{}"}

telemetry = Telemetry.for_backend(backend="serverless", service="svc", namespace="LegoApi",
                                  tracing="off" if MODE == "off" else "xray", log_stream=sys.stdout)

def brickguard(event, context):
    ctx = RequestContext(request_id=context.aws_request_id, backend="serverless", method="GET")
    with telemetry.invocation(ctx, lambda_context=context) as inv:
        ctx.route = ROUTE
        response = handler(event, context)
        inv.status = response["statusCode"]
    return response

logger = Logger(service="pt")
metrics = Metrics(namespace="LegoApi", service="pt")
tracer = Tracer(service="pt")

@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def powertools(event, context):
    return handler(event, context)

@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def powertools_output(event, context):
    started = time.perf_counter()
    response = handler(event, context)
    status = response["statusCode"]
    metrics.add_dimension(name="backend", value="serverless")
    metrics.add_dimension(name="route", value=ROUTE)
    metrics.add_metric(name="Requests", unit="Count", value=1)
    metrics.add_metric(name="Errors4xx", unit="Count", value=1 if 400 <= status < 500 else 0)
    metrics.add_metric(name="Errors5xx", unit="Count", value=1 if status >= 500 else 0)
    elapsed = (time.perf_counter() - started) * 1000
    metrics.add_metric(name="Latency", unit="Milliseconds", value=elapsed)
    logger.info("request", extra={"requestId": context.aws_request_id, "route": ROUTE, "method": "GET",
                                  "status": status, "responseTimeMs": elapsed, "backend": "serverless",
                                  "coldStart": False, "userId": None})
    return response

import warnings
warnings.simplefilter("ignore")  # "no metrics to publish" from the decorators-only stack
from runtime.telemetry import catalogue, recorder

SAMPLE_CTX = RequestContext(request_id="r", backend="serverless", method="GET", route=ROUTE)

def access_line(event, context):  # component: the access log line alone
    telemetry.log.access_log(SAMPLE_CTX, 200, 1.5)

def metrics_flush(event, context):  # component: the 4 request records + one EMF flush
    recorder.record(catalogue.REQUESTS, 1.0, route=ROUTE)
    recorder.record(catalogue.ERRORS_4XX, 0.0, route=ROUTE)
    recorder.record(catalogue.ERRORS_5XX, 0.0, route=ROUTE)
    recorder.record(catalogue.LATENCY, 1.5, route=ROUTE)
    telemetry.emf.flush()

VARIANTS = {"bare": handler, "brickguard": brickguard, "powertools": powertools,
            "powertools+output": powertools_output, "access line": access_line,
            "4 records + EMF flush": metrics_flush}
for fn in VARIANTS.values():  # warm up (cold start, first subsegment, caches)
    for _ in range(200):
        fn(EVENT, LC)
per_call = {name: [] for name in VARIANTS}
for _ in range(ROUNDS):
    for name, fn in VARIANTS.items():
        t0 = time.perf_counter()
        for _ in range(CALLS):
            fn(EVENT, LC)
        per_call[name].append((time.perf_counter() - t0) / CALLS * 1e6)
real_stdout.write(json.dumps({name: min(v) for name, v in per_call.items()}) + "\n")
real_stdout.flush()
"""

IMPORT_OURS = """
import time; t0 = time.perf_counter()
import runtime.coldstart
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from runtime.telemetry.facade import Telemetry
app = APIGatewayHttpResolver()
telemetry = Telemetry.for_backend(backend="serverless", service="svc", tracing=TRACING)
print((time.perf_counter() - t0) * 1000)
"""

IMPORT_POWERTOOLS = """
import time; t0 = time.perf_counter()
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
app = APIGatewayHttpResolver()
logger, metrics, tracer = Logger(service="svc"), Metrics(namespace="LegoApi", service="svc"), Tracer(service="svc")
if TRACING == "xray":
    tracer.provider  # the Tracer imports aws-xray-sdk lazily; make it load, as its first use would
print((time.perf_counter() - t0) * 1000)
"""


def _child_env(mode: str, daemon: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA", "LAMBDA_", "_X_AMZN"))}
    env["PYTHONPATH"] = str(REPO)
    env["AWS_DEFAULT_REGION"] = "eu-west-1"
    if mode == "xray":
        env.update({
            "LAMBDA_TASK_ROOT": str(REPO),
            "AWS_LAMBDA_FUNCTION_NAME": "health",
            "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": daemon,
        })
    return env


def warm(mode: str, calls: int, rounds: int, daemon: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", WARM_CHILD, mode, str(calls), str(rounds)],
        env=_child_env(mode, daemon), capture_output=True, text=True, timeout=600, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"warm benchmark ({mode}) failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def cold(tracing: str, runs: int, daemon: str) -> dict[str, dict[str, float]]:
    env = _child_env("xray" if tracing == "xray" else "off", daemon)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"in_process_ms": [], "process_ms": []} for name in ("brickguard", "powertools")
    }
    for _ in range(runs):
        for name, code in (("brickguard", IMPORT_OURS), ("powertools", IMPORT_POWERTOOLS)):
            source = textwrap.dedent(code).replace("TRACING", repr(tracing))
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", source], env=env, capture_output=True, text=True,
                                 timeout=120, check=True)
            samples[name]["process_ms"].append((time.perf_counter() - t0) * 1000)
            samples[name]["in_process_ms"].append(float(out.stdout.strip().splitlines()[-1]))
    return {name: {k: statistics.median(v) for k, v in figures.items()} for name, figures in samples.items()}


def _markdown(results: dict) -> str:
    lines = [
        f"<!-- bench:{SECTION} -->",
        "## Runtime overhead (telemetry facade vs plain Powertools)",
        "",
        f"Measured {results['when']} on this machine ({os.cpu_count()} CPUs), "
        f"`python benchmarks/bench_runtime_overhead.py` — best of {results['rounds']} interleaved rounds "
        f"of {results['calls']} calls (the machine is shared and noisy; the best round is the cost "
        "without interference). *Added* = variant minus bare handler.",
        "",
        "| tracing | bare µs | brickguard µs (added) | powertools stack µs (added) "
        "| powertools + same output µs (added) | brickguard added ÷ stack added | ÷ stack+output added |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, figures in results["warm"].items():
        bare = figures["bare"]
        ours, stack, output = (figures[k] - bare for k in ("brickguard", "powertools", "powertools+output"))
        lines.append(
            f"| {mode} | {bare:.2f} | {figures['brickguard']:.1f} ({ours:.1f}) | {figures['powertools']:.1f} "
            f"({stack:.1f}) | {figures['powertools+output']:.1f} ({output:.1f}) | {ours / stack:.2f}x "
            f"| {ours / output:.2f}x |"
        )
    off = results["warm"]["off"]
    lines += [
        "",
        f"Where brickguard's tracing-off cost goes: access line (Powertools Logger) "
        f"{off['access line']:.1f} µs, 4 request records + one EMF flush (Powertools serializer) "
        f"{off['4 records + EMF flush']:.1f} µs, the rest (context, cold-start check, try/finally) "
        f"{off['brickguard'] - off['bare'] - off['access line'] - off['4 records + EMF flush']:.1f} µs.",
    ]
    lines += [
        "",
        f"Cold import + init (median of {results['runs']} interleaved runs; in-process = first import to "
        "telemetry ready; process = whole `python -c` wall time):",
        "",
        "| tracing | brickguard in-process ms | powertools in-process ms | ratio | brickguard process ms "
        "| powertools process ms | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for tracing, figures in results["cold"].items():
        ours, theirs = figures["brickguard"], figures["powertools"]
        lines.append(
            f"| {tracing} | {ours['in_process_ms']:.1f} | {theirs['in_process_ms']:.1f} "
            f"| {ours['in_process_ms'] / theirs['in_process_ms']:.2f}x | {ours['process_ms']:.1f} "
            f"| {theirs['process_ms']:.1f} | {ours['process_ms'] / theirs['process_ms']:.2f}x |"
        )
    lines += ["", f"<!-- /bench:{SECTION} -->"]
    return "\n".join(lines)


def write_section(markdown: str) -> None:
    """Replace this benchmark's section of docs/performance.md (create the file if needed)."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Performance\n\nFigures written by the benchmarks in `benchmarks/`.\n"
    start, end = f"<!-- bench:{SECTION} -->", f"<!-- /bench:{SECTION} -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + markdown + after
    else:
        text = text.rstrip("\n") + "\n\n" + markdown + "\n"
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and runs (smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/performance.md alone")
    args = parser.parse_args()
    calls, rounds, runs = (300, 3, 3) if args.quick else (2000, 9, 15)
    daemon_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the X-Ray "daemon": receives, never read
    daemon_socket.bind(("127.0.0.1", 0))
    daemon = f"127.0.0.1:{daemon_socket.getsockname()[1]}"
    results = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "calls": calls, "rounds": rounds, "runs": runs,
        "warm": {mode: warm(mode, calls, rounds, daemon) for mode in ("off", "xray")},
        "cold": {tracing: cold(tracing, runs, daemon) for tracing in ("off", "xray")},
    }
    daemon_socket.close()
    markdown = _markdown(results)
    print(markdown)
    if not args.no_write:
        write_section(markdown)


if __name__ == "__main__":
    main()
