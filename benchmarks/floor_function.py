"""The floor of a Python Lambda cold start: a bare Powertools HTTP API function, no guard runtime, no clients.

``benchmarks/bench_cold_starts.py`` starts it the way it starts every function of the table, so the
ratio of a function's cold start to this one's is what our code adds to the interpreter, the
runtime interface client and Powertools.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

app = APIGatewayHttpResolver()


@app.get("/floor")
def floor() -> dict[str, bool]:
    return {"ok": True}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
