"""End-to-end fixtures: the API fixtures plus the X-Ray daemon stand-in."""

from tests.api.conftest import (  # noqa: F401
    api_dependencies,
    api_handlers,
    api_settings,
    express_client,
    express_url,
    lambda_client,
    up_urls,
)
from tests.telemetry.conftest import xray_daemon  # noqa: F401
