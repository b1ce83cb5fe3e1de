"""The concrete names the local AWS publishes under, so platform metrics match the rendered alarms.

The alarm and dashboard declarations hold placeholders (``${ServiceName}``, ``${HttpApi}``, …); the
stack resolves them with ``Fn::Sub``, ``brickguard deploy`` with the deployment's values, and the
local AWS with these. One :class:`LocalNames` feeds both the platform publisher and the live alarm
evaluator, so ``AWS/Lambda`` series carry exactly the ``FunctionName`` the alarms query.
"""

from __future__ import annotations

from dataclasses import dataclass

from alarms import profiles
from runtime.telemetry import aws_metrics
from stack.monitoring_plan import ConcreteTarget

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "us-east-1"
LOCAL_API_ID = "local"
LOCAL_CONCURRENCY_LIMIT = 1000  # Lambda's default account limit
RUNBOOK_BASE_URL = "https://github.com/brickguard/brickguard/blob/main"


@dataclass(frozen=True)
class LocalNames:
    """Placeholder values of the local deployment of ``service``."""

    service: str
    region: str = LOCAL_REGION

    def substitution(self) -> ConcreteTarget:
        """Resolves placeholders in alarm requests and dashboard bodies (and alarm ARNs)."""
        values = {
            "ServiceName": self.service,
            "AWS::Region": self.region,
            "AWS::AccountId": LOCAL_ACCOUNT,
            "AWS::Partition": "aws",
            "HttpApi": LOCAL_API_ID,
            "AccountConcurrencyLimit": str(LOCAL_CONCURRENCY_LIMIT),
            "RunbookBaseUrl": RUNBOOK_BASE_URL,
            # Managed resources the local AWS does not run: their AWS/RDS, AWS/ElastiCache and AWS/ES
            # widgets resolve, and the page says they have no data.
            "DatabaseInstanceId": "local-postgres",
            "DatabaseProxyName": "local-postgres-proxy",
            "CacheClusterId": "local-redis",
            "SearchDomainName": "local-search",
            "PagesTopic": f"arn:aws:sns:{self.region}:{LOCAL_ACCOUNT}:{self.service}-pages",
        }
        return ConcreteTarget(values, profiles.region_group(self.region))

    def function_name(self, function: str) -> str:
        """``FunctionName`` of one function of the architecture, as the alarms query it."""
        return self.substitution().text(aws_metrics.function_name(function))
