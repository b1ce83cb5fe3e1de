"""The on-failure destination of the local Lambda's asynchronous events: an SQS queue on the local moto server.

As the stack configures for the csv-parser in AWS: an event whose retries are
spent lands in ``{function}-failures`` as Lambda's invocation record, where
``aws sqs receive-message --endpoint-url …`` (or a test) can read it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

DELAY_SCALE_VARIABLE = "BRICKGUARD_ASYNC_DELAY_SCALE"


def queue_name(function_name: str) -> str:
    return f"{function_name}-failures"


def sqs_destination(endpoint: str, function_names: dict[str, str]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """Send each record to the failures queue of its function (created on first use)."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")

    def send(function: str, record: dict[str, Any]) -> None:
        queue = sqs.create_queue(QueueName=queue_name(function_names[function]))["QueueUrl"]  # idempotent
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(record))

    async def destination(function: str, record: dict[str, Any]) -> None:
        await asyncio.to_thread(send, function, record)

    return destination
