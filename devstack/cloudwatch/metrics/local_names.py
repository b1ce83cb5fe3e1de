"""The concrete names the local AWS publishes under, so platform metrics match the rendered alarms.

The alarm and dashboard declarations hold placeholders (``${ServiceName}``, ``${HttpApi}``, …); the
stack resolves them with ``Fn::Sub``, ``brickguard deploy`` with the deployment's values, and the
local AWS with these. One :class:`LocalNames` feeds both the platform publisher and the live alarm
evaluator, so ``AWS/Lambda`` series carry exactly the ``FunctionName`` the alarms query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alarms import profiles, routing
from alarms.render import PLACEHOLDER, Substitution
from runtime.telemetry import aws_metrics, catalogue

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "us-east-1"
LOCAL_API_ID = "local"
LOCAL_HEALTH_CHECKS = {backend: f"local-{backend}-check" for backend in catalogue.BACKENDS}
LOCAL_LOAD_BALANCER = "app/local-express/0000000000000000"  # the dimension value's shape: app/<name>/<id>
LOCAL_TARGET_GROUP = "targetgroup/local-express/0000000000000000"
LOCAL_CONCURRENCY_LIMIT = 1000  # Lambda's default account limit
RUNBOOK_BASE_URL = "https://github.com/brickguard/brickguard/blob/main"


@dataclass(frozen=True)
class LocalTarget(Substitution):
    """Placeholders resolved for the local deployment; a resource it does not run is named ``local-<Name>``.

    AWS-managed resources (RDS, ElastiCache, Route53 health checks…) have no local twin: their
    placeholders still resolve, so every declared alarm and widget renders, and they simply have no
    data. Also gives alarm ARNs, as the dashboards' alarm widgets need.
    """

    def text(self, template: str) -> str:
        def lookup(match: re.Match[str]) -> str:
            return self.values.get(match.group(1), f"local-{match.group(1)}")

        return PLACEHOLDER.sub(lookup, template)

    def arn(self, profile: str, slug: str) -> str:
        return f"arn:aws:cloudwatch:{self.values['AWS::Region']}:{LOCAL_ACCOUNT}:alarm:" + self.text(
            routing.alarm_name(profile, slug)
        )


@dataclass(frozen=True)
class LocalNames:
    """Placeholder values of the local deployment of ``service``."""

    service: str
    region: str = LOCAL_REGION

    def substitution(self) -> LocalTarget:
        """Resolves placeholders in alarm requests and dashboard bodies (and alarm ARNs)."""
        values = {
            "ServiceName": self.service,
            "AWS::Region": self.region,
            "AWS::AccountId": LOCAL_ACCOUNT,
            "AWS::Partition": "aws",
            "HttpApi": LOCAL_API_ID,
            "ExpressHealthCheck": LOCAL_HEALTH_CHECKS[catalogue.EXPRESS],
            "ServerlessHealthCheck": LOCAL_HEALTH_CHECKS[catalogue.SERVERLESS],
            "ExpressLoadBalancer": LOCAL_LOAD_BALANCER,
            "ExpressTargetGroup": LOCAL_TARGET_GROUP,
            "AccountConcurrencyLimit": str(LOCAL_CONCURRENCY_LIMIT),
            "RunbookBaseUrl": RUNBOOK_BASE_URL,
            "PagesTopic": self.pages_topic(),
            "WarningsTopic": f"arn:aws:sns:{self.region}:{LOCAL_ACCOUNT}:{self.service}-warnings",
            "RollbackFunction.Arn": self.rollback_function(),
        }
        return LocalTarget(values, profiles.region_group(self.region))

    def pages_topic(self) -> str:
        """The SNS topic whose subscriber is PagerDuty: an alarm acting on it pages."""
        return f"arn:aws:sns:{self.region}:{LOCAL_ACCOUNT}:{self.service}-pages"

    def rollback_function(self) -> str:
        """The ARN of the stack's rollback function, which the rollback alarm invokes as its action."""
        return f"arn:aws:lambda:{self.region}:{LOCAL_ACCOUNT}:function:{self.service}-rollback"

    def function_name(self, function: str) -> str:
        """``FunctionName`` of one function of the architecture, as the alarms query it."""
        return self.substitution().text(aws_metrics.function_name(function))
