"""A local X-Ray daemon: the UDP segment endpoint, the sampling API, and Lambda's function segments.

Mirrors the daemon both backends talk to: segment documents arrive over UDP as
``{"format":"json","version":1}\\n{…}`` and are kept (bounded) for the
developer and tests; the same port answers the SDK's TCP sampling calls
(``POST /GetSamplingRules``, ``POST /SamplingTargets``) with X-Ray's default
rule, so the serverful backend's rule poller finds a daemon instead of
printing a stack trace. As in Lambda with active tracing, the platform owns
the function segment: each invocation gets ``Root=…;Parent=<segment
id>;Sampled=1`` (the SDK inside the function only adds subsegments under that
parent) and the platform sends the ``AWS::Lambda::Function`` segment itself.
Locally every request is sampled.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

HEADER = b'{"format":"json","version":1}\n'
KEPT_SEGMENTS = 10_000
DEFAULT_RULE = {
    "RuleName": "Default",
    "RuleARN": "arn:aws:xray:us-east-1:000000000000:sampling-rule/Default",
    "Priority": 10000,
    "FixedRate": 1.0,
    "ReservoirSize": 1,
    "ServiceName": "*",
    "ServiceType": "*",
    "Host": "*",
    "HTTPMethod": "*",
    "URLPath": "*",
    "ResourceARN": "*",
    "Version": 1,
    "Attributes": {},
}


@dataclass(frozen=True)
class LambdaTrace:
    """The trace identity of one invocation as the platform assigns it."""

    trace_id: str
    segment_id: str

    @property
    def header(self) -> str:
        """``Lambda-Runtime-Trace-Id``: awslambdaric copies it to ``_X_AMZN_TRACE_ID``."""
        return f"Root={self.trace_id};Parent={self.segment_id};Sampled=1"


def lambda_trace(incoming: str) -> LambdaTrace:
    """Continue the caller's trace root (or start one) under a new function segment id."""
    fields = dict(part.split("=", 1) for part in incoming.split(";") if "=" in part)
    root = fields.get("Root") or f"1-{int(time.time()):08x}-{os.urandom(12).hex()}"
    return LambdaTrace(root.strip(), os.urandom(8).hex())


class SegmentStore(asyncio.DatagramProtocol):
    """Segment documents received over UDP or recorded by the platform, newest last."""

    def __init__(self) -> None:
        self.segments: deque[dict[str, Any]] = deque(maxlen=KEPT_SEGMENTS)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        _, _, body = data.partition(b"\n")
        try:
            document = json.loads(body)
        except ValueError:
            return
        if isinstance(document, dict):
            self.segments.append(document)

    def record_function_segment(
        self, trace: LambdaTrace, function_name: str, function_arn: str, started: float, ended: float, *, error: bool
    ) -> None:
        segment: dict[str, Any] = {
            "name": function_name,
            "id": trace.segment_id,
            "trace_id": trace.trace_id,
            "start_time": started,
            "end_time": ended,
            "origin": "AWS::Lambda::Function",
            "resource_arn": function_arn,
        }
        if error:
            segment["fault"] = True
        self.segments.append(segment)

    def for_trace(self, trace_id: str) -> list[dict[str, Any]]:
        return [segment for segment in self.segments if segment.get("trace_id") == trace_id]


def sampling_app() -> web.Application:
    """The daemon's TCP proxy for the sampling API, answering with the default rule."""

    async def rules(request: web.Request) -> web.Response:
        return web.json_response({"SamplingRuleRecords": [{"SamplingRule": DEFAULT_RULE}]})

    async def targets(request: web.Request) -> web.Response:
        return web.json_response(
            {"SamplingTargetDocuments": [], "LastRuleModification": 0, "UnprocessedStatistics": []}
        )

    app = web.Application()
    app.router.add_post("/GetSamplingRules", rules)
    app.router.add_post("/SamplingTargets", targets)
    return app
