"""Stack parameters and conditions. ``brickguard deploy`` reads the same defaults."""

from __future__ import annotations

from typing import Any

from alarms.profiles import PROFILES

DEFAULTS: dict[str, str] = {
    "ServiceName": "lego-projects-api",
    "AlarmProfile": "rollout",
    "AccountConcurrencyLimit": "1000",
    "KeepWarmConcurrency": "2",
    "RunbookBaseUrl": "https://github.com/lego-projects/brickguard/blob/main",
    "DatabaseInstanceId": "lego-projects-db",
    "DatabaseProxyName": "lego-projects-db-proxy",
    "CacheClusterId": "lego-projects-cache-001",
    "SearchDomainName": "lego-projects-search",
}


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"Type": "String", "Description": description, **extra}


PARAMETERS: dict[str, dict[str, Any]] = {
    "ServiceName": _string(
        "service dimension of every metric and prefix of every name",
        Default=DEFAULTS["ServiceName"],
        AllowedPattern="^[a-z][a-z0-9-]{2,40}$",
    ),
    "AlarmProfile": _string(
        "rollout: looser thresholds during the staged rollout; bau: business as usual",
        Default=DEFAULTS["AlarmProfile"],
        AllowedValues=list(PROFILES),
    ),
    "CognitoIssuerUrl": _string("JWT issuer, https://cognito-idp.<region>.amazonaws.com/<user pool id>"),
    "CognitoAudience": {"Type": "CommaDelimitedList", "Description": "JWT audiences (app client ids)"},
    "PagerDutyIntegrationUrl": _string(
        "PagerDuty CloudWatch integration URL (contains the integration key)", NoEcho=True, AllowedPattern="^https://.+"
    ),
    "ExpressHost": _string("host name of the serverful (express) backend, for its Route53 health check"),
    "CodeS3Bucket": _string("bucket holding the Lambda deployment package"),
    "CodeS3Key": _string("key of the Lambda deployment package"),
    "AccountConcurrencyLimit": {
        "Type": "Number",
        "Description": "Lambda concurrent executions limit of the account (alarm at a share of it)",
        "Default": DEFAULTS["AccountConcurrencyLimit"],
        "MinValue": 1,
    },
    "KeepWarmConcurrency": {
        "Type": "Number",
        "Description": "environments each keep-warm ping keeps warm",
        "Default": DEFAULTS["KeepWarmConcurrency"],
        "MinValue": 1,
        "MaxValue": 50,
    },
    "RunbookBaseUrl": _string("repository URL that docs/runbooks/*.md are under", Default=DEFAULTS["RunbookBaseUrl"]),
    "DatabaseInstanceId": _string("RDS instance identifier", Default=DEFAULTS["DatabaseInstanceId"]),
    "DatabaseProxyName": _string("RDS Proxy name", Default=DEFAULTS["DatabaseProxyName"]),
    "CacheClusterId": _string("ElastiCache cache cluster id", Default=DEFAULTS["CacheClusterId"]),
    "SearchDomainName": _string("OpenSearch domain name", Default=DEFAULTS["SearchDomainName"]),
}


def profile_condition(profile: str) -> str:
    """Name of the condition that is true when ``profile`` is the active alarm profile."""
    return f"Use{profile.capitalize()}Profile"


CONDITIONS: dict[str, Any] = {
    "IsEuRegion": {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}, "eu"]},
    **{profile_condition(name): {"Fn::Equals": [{"Ref": "AlarmProfile"}, name]} for name in PROFILES},
}
