"""End-to-end fixtures: the API fixtures plus the X-Ray daemon stand-in."""

from tests.api.conftest import api_settings, express_client, express_url, lambda_client, up_urls  # noqa: F401
from tests.telemetry.conftest import xray_daemon  # noqa: F401
