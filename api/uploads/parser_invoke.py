"""Hand a parts-list CSV to the csv-parser function: a Lambda ``Event`` invocation (queued, not awaited).

boto3 finds the Invoke endpoint as for any AWS API: AWS itself, or the local
Lambda of ``brickguard up`` through ``AWS_ENDPOINT_URL_LAMBDA``. Lambda answers
202 once the event is queued; retries (two, with Lambda's delays) and the
on-failure destination are Lambda's from then on. Not queued (Lambda
unreachable or throttling the queue) is a 503: the CSV is stored and its
import stays ``queued`` until it is uploaded again.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from runtime.errors import ServiceUnavailable

CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 3.0


@cache
def _client() -> Any:
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    config = Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S, retries={"max_attempts": 2})
    return session.client("lambda", region_name=session.region_name or "us-east-1", config=config)


def invoke_parser(function: str | None, payload: dict[str, Any]) -> None:
    """Queue ``payload`` for the parser ``function`` (``CSV_PARSER_FUNCTION``); a 503 when Lambda does not take it."""
    if not function:
        raise ServiceUnavailable("Parts-list parsing is not configured (no CSV_PARSER_FUNCTION)", retry_after=60)
    try:
        answer = _client().invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode())
    except Exception as exc:
        raise ServiceUnavailable("The parts-list parser cannot be reached; upload the list again shortly") from exc
    if answer.get("StatusCode") != 202:
        raise ServiceUnavailable("The parts-list parser did not accept the list; upload it again shortly")
