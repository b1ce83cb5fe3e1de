"""Asynchronous invocation of a function without routes (the csv-parser): its ``EventInvokeConfig`` and
the SQS queue its failed events go to.

Lambda's semantics, as ``brickguard up`` reproduces them (devstack/lambda_/async_invoke.py): an ``Event``
invocation is queued; a failed attempt is retried twice (``MaximumRetryAttempts: 2``); an event
whose last attempt failed goes to the on-failure destination as Lambda's invocation record. The
queue is named like the local one (``{function name}-failures``) and keeps records for 14 days,
SQS's maximum, so an outage over a long weekend loses no import. The config is set on the ``live``
alias, the qualifier the caller invokes (``CSV_PARSER_FUNCTION`` is ``…-csv-parser:live``).
"""

from __future__ import annotations

from typing import Any

from runtime.telemetry.aws_metrics import failure_queue_name, function_name
from stack.intrinsics import get_att, pascal, ref

MAXIMUM_RETRY_ATTEMPTS = 2
RETENTION_SECONDS = 14 * 24 * 3600
QUALIFIER = "live"


def queue_logical_id(function: str) -> str:
    return f"{pascal(function)}FailureQueue"


def caller_variable(function: str) -> str:
    """The environment variable naming ``function`` to its callers: ``csv-parser`` → ``CSV_PARSER_FUNCTION``."""
    return f"{function.upper().replace('-', '_')}_FUNCTION"


def invoked_name(function: str) -> dict[str, str]:
    """What callers pass as ``FunctionName``: the ``live`` alias, where the invoke config is."""
    return {"Fn::Sub": f"{function_name(function)}:{QUALIFIER}"}


def resources(function: str, alias_logical_id: str) -> dict[str, Any]:
    """The on-failure queue of ``function`` and the invoke config of its ``live`` alias."""
    queue = queue_logical_id(function)
    return {
        queue: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": failure_queue_name(function)},
                "MessageRetentionPeriod": RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
            },
        },
        f"{pascal(function)}EventInvokeConfig": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "DependsOn": [alias_logical_id],  # the qualifier must exist
            "Properties": {
                "FunctionName": ref(f"{pascal(function)}Function"),
                "Qualifier": QUALIFIER,
                "MaximumRetryAttempts": MAXIMUM_RETRY_ATTEMPTS,
                "DestinationConfig": {"OnFailure": {"Destination": get_att(queue, "Arn")}},
            },
        },
    }
