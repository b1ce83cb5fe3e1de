"""Stack parameters and conditions. ``brickguard deploy`` reads the same defaults."""

from __future__ import annotations

from typing import Any

from alarms.profiles import PROFILES
from runtime.telemetry.aws_metrics import HEALTH_CHECK_REGION
from stack.edge import CORS_DEFAULT_ORIGINS
from stack.rollout_contract import INITIAL_WEIGHTS

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
    "Stage": "dev",
    "LogRetentionDays": "30",
    "CreateVpcEndpoints": "true",
    "DatabaseAuth": "iam",
    "DatabaseName": "lego_projects",
    "DatabaseUser": "lego_api",
    "DatabaseSecretArn": "",
    "CorsAllowOrigins": ",".join(CORS_DEFAULT_ORIGINS),
    "MigrationMode": "true",
    "ExpressWeight": str(INITIAL_WEIGHTS[0]),
    "ServerlessWeight": str(INITIAL_WEIGHTS[1]),
}

# The weighted records' weights belong to `brickguard rollout` once the stack exists: `brickguard deploy`
# passes the weights Route53 has now, so a deploy never moves traffic. No function sees them, so they
# are not part of the release (a rollout step must not publish new function versions).
ROUTING_PARAMETERS = ("ExpressWeight", "ServerlessWeight")

# The retention periods CloudWatch Logs accepts.
LOG_RETENTION_DAYS = [str(days) for days in (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)]
HOST_PATTERN = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$"


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
    "CognitoUserPoolId": _string("the user pool of the profiles (name, picture): <region>_<id>, the issuer's last "
                                 "part; the profile function may call AdminGetUser/AdminUpdateUserAttributes/"
                                 "AdminDeleteUserAttributes on it and nothing else",
                                 AllowedPattern="^[\\w-]+_[0-9a-zA-Z]+$"),
    "CognitoAudience": {"Type": "CommaDelimitedList",
                        "Description": "app client ids: an ID token's aud, or an access token's client_id "
                                       "(when it has no aud)"},
    "CorsAllowOrigins": {"Type": "CommaDelimitedList", "Default": DEFAULTS["CorsAllowOrigins"],
                         "Description": "origins of the frontend allowed by CORS (credentials allowed, so never *)"},
    "PagerDutyIntegrationUrl": _string(
        "PagerDuty CloudWatch integration URL (contains the integration key)", NoEcho=True, AllowedPattern="^https://.+"
    ),
    "ExpressHost": _string("host name of the serverful (express) backend: its Route53 health check, and the target "
                           "of the express weighted record", AllowedPattern=HOST_PATTERN, MinLength=1),
    "ExpressLoadBalancer": _string(
        "the Application Load Balancer in front of express, as its CloudWatch dimension: app/<name>/<id> "
        "(the end of its ARN); the express objectives read its metrics", AllowedPattern="^app/[^/]+/[0-9a-f]+$"),
    "ExpressTargetGroup": _string(
        "express's target group as its CloudWatch dimension, targetgroup/<name>/<id> (HealthyHostCount)",
        AllowedPattern="^targetgroup/[^/]+/[0-9a-f]+$"),
    "HostedZoneId": {"Type": "AWS::Route53::HostedZone::Id",
                     "Description": "existing public hosted zone of ApiRecordName (the stack adds the two weighted "
                                    "records to it; docs/deploy.md says why it does not create the zone)"},
    "ApiRecordName": _string("the API's DNS name clients call, e.g. api.lego-moc.example.com: two weighted records "
                             "(express, serverless) and the HTTP API's custom domain", AllowedPattern=HOST_PATTERN,
                             MinLength=1),
    "ExpressWeight": {"Type": "Number", "Default": DEFAULTS["ExpressWeight"], "MinValue": 0, "MaxValue": 255,
                      "Description": "weight of the express record; set by brickguard deploy to the record's current "
                                     "weight (brickguard rollout owns the weights)"},
    "ServerlessWeight": {"Type": "Number", "Default": DEFAULTS["ServerlessWeight"], "MinValue": 0, "MaxValue": 255,
                         "Description": "weight of the serverless record; set by brickguard deploy like ExpressWeight"},
    "ApiCertificateArn": _string("ACM certificate for ApiRecordName in the stack's region (the custom domain)",
                                 AllowedPattern="^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$"),
    "CodeS3Bucket": _string("artifact bucket holding the functions' artifacts (brickguard deploy uploads them; each "
                            "function's key is its <Function>CodeS3Key parameter, stack/functions.py)"),
    "RollbackCodeS3Key": _string("key of the rollback function's own package (rollout and the stack contracts): "
                                 "<prefix>/<sha256>.zip, set by brickguard deploy", AllowedPattern=r"^.+\.zip$"),
    "Stage": _string("deployment stage; provisioned concurrency is configured in prod only",
                     Default=DEFAULTS["Stage"], AllowedValues=["dev", "staging", "prod"]),
    "MigrationMode": _string(
        "true during the migration: the functions prefix every cache key with v2:, so the serverless backend's "
        "keys never collide with express's (as brickguard up runs it); false once express is retired",
        Default=DEFAULTS["MigrationMode"], AllowedValues=["true", "false"]),
    "LogRetentionDays": {"Type": "Number", "Description": "days the functions' log groups keep events",
                         "Default": DEFAULTS["LogRetentionDays"], "AllowedValues": LOG_RETENTION_DAYS},
    "SubnetIds": {"Type": "List<AWS::EC2::Subnet::Id>",
                  "Description": "private subnets (two AZs or more) the functions run in; they reach RDS Proxy, "
                                 "Redis and OpenSearch there"},
    "SecurityGroupIds": {"Type": "List<AWS::EC2::SecurityGroup::Id>",
                         "Description": "security groups of the functions; RDS Proxy, Redis, OpenSearch and the VPC "
                                        "endpoints must allow them on 5432, 6379 and 443"},
    "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "the VPC of SubnetIds (for the interface endpoints)"},
    "CreateVpcEndpoints": _string(
        "true: create interface endpoints for Lambda (keep-warm fan-out) and Secrets Manager; false: the subnets "
        "route to them through a NAT gateway you provide (docs/deploy.md)",
        Default=DEFAULTS["CreateVpcEndpoints"], AllowedValues=["true", "false"]),
    "DatabaseProxyEndpoint": _string("RDS Proxy endpoint host name (PostgreSQL, port 5432)",
                                     AllowedPattern=HOST_PATTERN, MinLength=1),
    "DatabaseProxyResourceId": _string("RDS Proxy resource id (prx-...), for the rds-db:connect permission",
                                       AllowedPattern="^prx-[a-z0-9]+$"),
    "DatabaseName": _string("PostgreSQL database name", Default=DEFAULTS["DatabaseName"],
                            AllowedPattern="^[A-Za-z_][A-Za-z0-9_]{0,62}$"),
    "DatabaseUser": _string("database user the functions connect as through the proxy",
                            Default=DEFAULTS["DatabaseUser"], AllowedPattern="^[A-Za-z_][A-Za-z0-9_]{0,62}$"),
    "DatabaseAuth": _string(
        "iam: a fresh RDS IAM auth token per connection (rds-db:connect); secret: the password from DatabaseSecretArn",
        Default=DEFAULTS["DatabaseAuth"], AllowedValues=["iam", "secret"]),
    "DatabaseSecretArn": _string(
        "Secrets Manager secret with the database password (JSON with a password key); required when "
        "DatabaseAuth is secret, empty otherwise",
        Default=DEFAULTS["DatabaseSecretArn"],
        AllowedPattern="^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)?$"),
    "RedisEndpoint": _string("ElastiCache primary endpoint host:port (TLS)",
                             AllowedPattern=r"^[a-z0-9.-]+:[0-9]{2,5}$"),
    "UploadBucketName": _string("existing S3 bucket of uploaded images and MOC files (S3_BUCKET)",
                                AllowedPattern="^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    "RouteTableIds": {"Type": "CommaDelimitedList", "Default": "",
                      "Description": "route tables of SubnetIds, for the S3 gateway endpoint (empty: S3 through NAT)"},
    "OpenSearchEndpoint": _string("OpenSearch domain endpoint host name (HTTPS, VPC domain)",
                                  AllowedPattern=HOST_PATTERN, MinLength=1),
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


def region_condition(profile: str, region: str) -> str:
    """Name of the condition: ``profile`` is active and the stack runs in ``region``."""
    return f"{profile_condition(profile)}In{''.join(part.capitalize() for part in region.split('-'))}"


CONDITIONS: dict[str, Any] = {
    "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
    "CreateEndpoints": {"Fn::Equals": [{"Ref": "CreateVpcEndpoints"}, "true"]},
    "CreateS3Endpoint": {"Fn::And": [
        {"Condition": "CreateEndpoints"},
        {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "RouteTableIds"}]}, ""]}]},
    ]},
    "UseDatabaseSecret": {"Fn::Equals": [{"Ref": "DatabaseAuth"}, "secret"]},
    "IsEuRegion": {"Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["-", {"Ref": "AWS::Region"}]}]}, "eu"]},
    **{profile_condition(name): {"Fn::Equals": [{"Ref": "AlarmProfile"}, name]} for name in PROFILES},
    **{region_condition(name, HEALTH_CHECK_REGION): {"Fn::And": [
        {"Condition": profile_condition(name)},
        {"Fn::Equals": [{"Ref": "AWS::Region"}, HEALTH_CHECK_REGION]},
    ]} for name in PROFILES},
}


RULES: dict[str, Any] = {
    "CorsOriginsAreExplicit": {
        "Assertions": [{
            "Assert": {"Fn::Not": [{"Fn::Contains": [{"Ref": "CorsAllowOrigins"}, "*"]}]},
            "AssertDescription": "CORS allows credentials: list the origins, * is not allowed",
        }],
    },
    "SecretModeNeedsASecret": {
        "RuleCondition": {"Fn::Equals": [{"Ref": "DatabaseAuth"}, "secret"]},
        "Assertions": [{
            "Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "DatabaseSecretArn"}, ""]}]},
            "AssertDescription": "DatabaseAuth=secret needs DatabaseSecretArn",
        }],
    },
}
