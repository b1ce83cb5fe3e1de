"""Put the monitoring of one profile with boto3, idempotently: SNS topic and PagerDuty subscription,
metric alarms, composite alarms (when the endpoint implements them) and dashboards.

Every call is a put: running it twice leaves the same alarms and dashboards. Alarms under this
profile's name prefix that are no longer declared are deleted, so a rename does not leave orphans.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from alarms import profiles
from runtime.telemetry.aws_metrics import SERVICE
from stack.monitoring_plan import ConcreteTarget, dashboard_request, profile_plan, shared_dashboards
from stack.parameters import DEFAULTS

UNSUPPORTED_CODES = frozenset({"InvalidAction", "NotImplemented", "UnknownOperationException", "500"})
COMPOSITES_UNSUPPORTED = "skipped: endpoint lacks PutCompositeAlarm"
COMPOSITES_NOTE = (
    "The endpoint does not implement PutCompositeAlarm (moto does not): composite alarms are covered by "
    "the synthesized template (cfn-lint) and by `brickguard alarms test`."
)
DRY_RUN_ACCOUNT = "000000000000"


@dataclass
class DeployOptions:
    profile: str
    region: str
    pagerduty_url: str
    endpoint_url: str | None = None
    dry_run: bool = False
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One thing deploy did (or would do)."""

    kind: str
    name: str
    outcome: str


Progress = Callable[[Step], None]


def _clients(options: DeployOptions) -> dict[str, Any]:
    import boto3  # lazy: the CLI's other commands do not pay for it
    from botocore.config import Config

    session = boto3.session.Session(region_name=options.region)
    retrying = Config(retries={"mode": "standard", "max_attempts": 3})
    single = Config(retries={"max_attempts": 1})
    make = session.client
    return {
        "cloudwatch": make("cloudwatch", endpoint_url=options.endpoint_url, config=retrying),
        "probe": make("cloudwatch", endpoint_url=options.endpoint_url, config=single),
        "sns": make("sns", endpoint_url=options.endpoint_url, config=retrying),
        "sts": make("sts", endpoint_url=options.endpoint_url, config=retrying),
        "apis": make("apigatewayv2", endpoint_url=options.endpoint_url, config=retrying),
    }


def _api_id(apis: Any, service: str) -> str | None:
    wanted = f"{service}-http-api"
    for page in apis.get_paginator("get_apis").paginate() if apis.can_paginate("get_apis") else [apis.get_apis()]:
        for api in page.get("Items", []):
            if api.get("Name") == wanted:
                return str(api["ApiId"])
    return None


class Deployer:
    """Runs the deploy steps in order, reporting each one to ``progress``."""

    def __init__(self, options: DeployOptions, functions: Sequence[str], progress: Progress | None = None) -> None:
        self.options = options
        self.functions = list(functions)
        self.progress = progress or (lambda step: None)
        self.steps: list[Step] = []
        self.clients: dict[str, Any] = {} if options.dry_run else _clients(options)

    def _report(self, kind: str, name: str, outcome: str) -> None:
        step = Step(kind, name, outcome)
        self.steps.append(step)
        self.progress(step)

    def _values(self, service: str) -> dict[str, str]:
        values = {**DEFAULTS, **self.options.parameters}
        values.update({"ServiceName": service, "AWS::Region": self.options.region, "AWS::Partition": "aws"})
        if self.options.dry_run:
            values["AWS::AccountId"] = DRY_RUN_ACCOUNT
            values.setdefault("HttpApi", "<api-id>")
            return values
        values["AWS::AccountId"] = str(self.clients["sts"].get_caller_identity()["Account"])
        if "HttpApi" not in values:
            found = _api_id(self.clients["apis"], service)
            if found is None:
                self._report("api", f"{service}-http-api", "not found: edge alarms watch ApiId=not-deployed")
            values["HttpApi"] = found or "not-deployed"
        return values

    def _paging(self, service: str, values: dict[str, str]) -> None:
        topic_name = f"{service}-pages"
        if self.options.dry_run:
            values["PagesTopic"] = f"arn:aws:sns:{self.options.region}:{values['AWS::AccountId']}:{topic_name}"
            self._report("topic", topic_name, "would create")
            self._report("subscription", "PagerDuty (https)", "would subscribe")
            return
        sns = self.clients["sns"]
        topic = str(sns.create_topic(Name=topic_name)["TopicArn"])
        values["PagesTopic"] = topic
        self._report("topic", topic_name, "put")
        existing = sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
        if any(sub.get("Endpoint") == self.options.pagerduty_url for sub in existing):
            self._report("subscription", "PagerDuty (https)", "exists")
            return
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=self.options.pagerduty_url, ReturnSubscriptionArn=True)
        self._report("subscription", "PagerDuty (https)", "subscribed")

    def _put_composites(self, composites: list[dict[str, Any]]) -> None:
        from botocore.exceptions import ClientError

        for index, request in enumerate(composites):
            if self.options.dry_run:
                self._report("composite", request["AlarmName"], "would put")
                continue
            client = self.clients["probe" if index == 0 else "cloudwatch"]
            try:
                client.put_composite_alarm(**request)
            except ClientError as error:
                if index == 0 and error.response.get("Error", {}).get("Code") in UNSUPPORTED_CODES:
                    for skipped in composites:
                        self._report("composite", skipped["AlarmName"], COMPOSITES_UNSUPPORTED)
                    return
                raise
            self._report("composite", request["AlarmName"], "put")

    def _prune(self, prefix: str, declared: set[str]) -> None:
        if self.options.dry_run:
            return
        cloudwatch = self.clients["cloudwatch"]
        stale: list[str] = []
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix):
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                if alarm["AlarmName"] not in declared:
                    stale.append(alarm["AlarmName"])
        for start in range(0, len(stale), 100):
            cloudwatch.delete_alarms(AlarmNames=stale[start : start + 100])
        for name in stale:
            self._report("alarm", name, "deleted (no longer declared)")

    def run(self) -> list[Step]:
        """Deploy everything and return the steps taken."""
        profile = profiles.get(self.options.profile)
        values = self._values(self.options.parameters.get("ServiceName", DEFAULTS["ServiceName"]))
        self._paging(values["ServiceName"], values)
        target = ConcreteTarget(values, profiles.region_group(self.options.region))
        plan = profile_plan(profile, self.functions, target)
        for request in plan.alarms.metric.values():
            if not self.options.dry_run:
                self.clients["cloudwatch"].put_metric_alarm(**request)
            self._report("alarm", request["AlarmName"], "would put" if self.options.dry_run else "put")
        self._put_composites(list(plan.alarms.composite.values()))
        self._prune(target.text(f"{SERVICE}-{profile.name}-"), {str(name) for name in plan.alarms.slugs.values()})
        for dashboard in [*plan.dashboards, *shared_dashboards(self.functions)]:
            request = dashboard_request(dashboard, target)
            if not self.options.dry_run:
                response = self.clients["cloudwatch"].put_dashboard(**request)
                messages = response.get("DashboardValidationMessages", [])
                if messages:
                    raise ValueError(f"dashboard {request['DashboardName']} rejected: {messages}")
            self._report("dashboard", request["DashboardName"], "would put" if self.options.dry_run else "put")
        return self.steps
