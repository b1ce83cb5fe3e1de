"""Configuration from the environment, validated once, with one clear line per mistake.

Every setting has an embedded default so ``brickguard up`` runs with none set.
A malformed value raises :class:`ConfigError` naming the variable; the CLI
prints that single line instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from runtime.telemetry.catalogue import BACKENDS, DEPENDENCIES, SERVERLESS

STAGES = ("dev", "staging", "prod")
TRACING_MODES = ("xray", "otel", "off")
BREAKER_OVERRIDES = ("open", "closed")
CACHE_PREFIXES = ("", "v2:")  # express's key space, and serverless's under MIGRATION_MODE


class ConfigError(ValueError):
    """A configuration variable is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Everything the runtime, guards and API read from the environment."""

    backend: str = SERVERLESS
    service: str = "lego-projects-api"
    namespace: str = "LegoApi"
    database_url: str | None = None
    redis_url: str | None = None
    opensearch_url: str | None = None
    migration_mode: bool = False
    tracing: str = "xray"
    request_budget_ms: int = 10_000
    jwt_issuer: str = "brickguard-local"
    jwt_audience: str = "lego-projects-api"
    jwt_jwks_url: str | None = None
    data_dir: str = ".brickguard"
    breaker_overrides: Mapping[str, str] = field(default_factory=dict)
    stage: str = "dev"
    debug_config: bool = True
    """``GET /debug/config`` answers (dev and staging only: never on in prod)."""
    s3_bucket: str | None = None
    """Bucket of uploaded images and files; without one the upload routes answer 503."""
    s3_endpoint_url: str | None = None
    """A non-AWS S3 endpoint (``brickguard up``'s moto server); None for AWS itself."""
    s3_public_url: str | None = None
    """Base of the URLs put in responses (a CDN); default: the bucket's endpoint URL."""
    csv_parser_function: str | None = None
    """Name or ARN of the csv-parser function the upload function invokes (``Event``)."""
    cognito_user_pool_id: str | None = None
    """The user pool holding profiles' ``name`` and ``picture``; without one profiles answer from the token."""
    cognito_endpoint_url: str | None = None
    """A non-AWS Cognito endpoint (``brickguard up``'s moto server); None for AWS itself."""
    breaker_gauge_period_ms: int = 60_000
    """How often a Lambda environment republishes its breakers' states (the breaker alarms' period)."""
    drain_seconds: int = 25
    """``brickguard serve``: how long requests in flight may finish after SIGTERM (below ECS's 30 s stopTimeout)."""
    listen_host: str = "0.0.0.0"  # noqa: S104 - a container's port is reached through its task's interface
    """``brickguard serve``: the interface to listen on (the load balancer reaches the task's)."""

    @property
    def cache_prefix(self) -> str:
        """``v2:`` while the migration runs, so both backends never share a cache key."""
        return CACHE_PREFIXES[1] if self.migration_mode else CACHE_PREFIXES[0]


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ConfigError(f"{name}={value!r} must be one of {', '.join(allowed)}")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive")
    return value


def validate_database_url(url: str, name: str = "DATABASE_URL") -> str:
    """Accept the libpq URI forms, including ``postgresql:///db?host=/socket/dir``."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ConfigError(f"{name} must be a postgresql:// URI, got scheme {parts.scheme!r}")
    host = parts.hostname or parse_qs(parts.query).get("host", [""])[0]
    if not host:
        raise ConfigError(f"{name} names no host (give host:port or ?host=/socket/dir)")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(f"{name} has a malformed port") from None
    return url


def validate_url(url: str, name: str, schemes: tuple[str, ...]) -> str:
    """Check that ``url`` has one of ``schemes`` and a host."""
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise ConfigError(f"{name} must start with {' or '.join(s + '://' for s in schemes)}")
    if not parts.hostname and parts.scheme != "unix":
        raise ConfigError(f"{name} names no host")
    try:
        parts.port  # noqa: B018
    except ValueError:
        raise ConfigError(f"{name} has a malformed port") from None
    return url


def _breaker_overrides(env: Mapping[str, str]) -> dict[str, str]:
    """``BRICKGUARD_BREAKER_FORCE=redis=open,opensearch=closed`` forces breakers at start."""
    raw = env.get("BRICKGUARD_BREAKER_FORCE", "").strip()
    overrides: dict[str, str] = {}
    if not raw:
        return overrides
    for item in raw.split(","):
        name, _, state = item.strip().partition("=")
        if name not in DEPENDENCIES or state not in BREAKER_OVERRIDES:
            raise ConfigError(
                f"BRICKGUARD_BREAKER_FORCE item {item!r} must be NAME=open|closed "
                f"with NAME one of {', '.join(DEPENDENCIES)}"
            )
        overrides[name] = state
    return overrides


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from ``env`` (default: ``os.environ``)."""
    env = os.environ if env is None else env
    database_url = env.get("DATABASE_URL") or None
    redis_url = env.get("REDIS_URL") or None
    opensearch_url = env.get("OPENSEARCH_URL") or None
    stage = _choice(env, "STAGE", "dev", STAGES)
    debug_config = _flag(env, "BRICKGUARD_DEBUG_CONFIG", stage != "prod")
    if debug_config and stage == "prod":
        raise ConfigError("BRICKGUARD_DEBUG_CONFIG cannot be true with STAGE=prod: /debug/config never answers in prod")
    return Settings(
        backend=_choice(env, "BRICKGUARD_BACKEND", SERVERLESS, BACKENDS),
        service=env.get("POWERTOOLS_SERVICE_NAME") or "lego-projects-api",
        namespace=env.get("POWERTOOLS_METRICS_NAMESPACE") or "LegoApi",
        database_url=validate_database_url(database_url) if database_url else None,
        redis_url=validate_url(redis_url, "REDIS_URL", ("redis", "rediss", "unix")) if redis_url else None,
        opensearch_url=(
            validate_url(opensearch_url, "OPENSEARCH_URL", ("http", "https")) if opensearch_url else None
        ),
        migration_mode=_flag(env, "MIGRATION_MODE", False),
        tracing=_choice(env, "BRICKGUARD_TRACING", "xray", TRACING_MODES),
        request_budget_ms=_positive_int(env, "BRICKGUARD_REQUEST_BUDGET_MS", 10_000),
        jwt_issuer=env.get("JWT_ISSUER") or "brickguard-local",
        jwt_audience=env.get("JWT_AUDIENCE") or "lego-projects-api",
        jwt_jwks_url=(
            validate_url(env["JWT_JWKS_URL"], "JWT_JWKS_URL", ("http", "https")) if env.get("JWT_JWKS_URL") else None
        ),
        data_dir=env.get("BRICKGUARD_DATA_DIR") or ".brickguard",
        breaker_overrides=_breaker_overrides(env),
        stage=stage,
        debug_config=debug_config,
        s3_bucket=env.get("S3_BUCKET") or None,
        csv_parser_function=env.get("CSV_PARSER_FUNCTION") or None,
        breaker_gauge_period_ms=_positive_int(env, "BRICKGUARD_BREAKER_GAUGE_PERIOD_MS", 60_000),
        drain_seconds=_positive_int(env, "BRICKGUARD_DRAIN_SECONDS", 25),
        listen_host=env.get("BRICKGUARD_LISTEN_HOST") or "0.0.0.0",  # noqa: S104
        s3_endpoint_url=(
            validate_url(env["S3_ENDPOINT_URL"], "S3_ENDPOINT_URL", ("http", "https"))
            if env.get("S3_ENDPOINT_URL") else None
        ),
        cognito_user_pool_id=env.get("COGNITO_USER_POOL_ID") or None,
        cognito_endpoint_url=(
            validate_url(env["COGNITO_ENDPOINT_URL"], "COGNITO_ENDPOINT_URL", ("http", "https"))
            if env.get("COGNITO_ENDPOINT_URL") else None
        ),
        s3_public_url=(
            validate_url(env["S3_PUBLIC_URL"], "S3_PUBLIC_URL", ("http", "https")) if env.get("S3_PUBLIC_URL") else None
        ),
    )
