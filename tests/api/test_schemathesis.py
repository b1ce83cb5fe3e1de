"""schemathesis over ``docs/openapi.yaml``: both backends answer what the document says, every check on.

Against the serverful backend over HTTP (``brickguard up``) and against the
Lambda handlers in-process (behind :class:`LambdaAsWsgi`, API Gateway's part),
with valid and invalid data (positive and negative generation). The number of
examples is bounded and the coverage phase (every boundary value of every
field, several hundred requests) is off so the suite stays fast; the long run is
``SCHEMATHESIS_THOROUGH=1 SCHEMATHESIS_EXAMPLES=100 python3 -m pytest tests/api/test_schemathesis.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from api.openapi import openapi_document
from runtime.auth import mint_token
from runtime.edge import authorizer
from tests.api.lambda_wsgi import LambdaAsWsgi

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
THOROUGH = os.environ.get("SCHEMATHESIS_THOROUGH") == "1"  # adds the coverage phase: every boundary value
FUZZ_USER = "schemathesis-user"

schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
schema.config.phases.coverage.enabled = THOROUGH
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _all_checks(case, *, behind_api_gateway: bool = False) -> list:
    """Every check; for ``/health`` a 503 is its documented unhealthy answer (tests/api/test_health.py).

    Uploads are judged by content (tests/api/test_image_uploads.py): schema-valid random bytes are a 400.
    Behind API Gateway (the serverless backend over HTTP) a method a path does not serve is the
    gateway's 404 ``{"message": "Not Found"}``: HTTP APIs have no 405 (docs/local-aws.md).
    """
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers the OpenAPI checks

    checks = list(CHECKS.get_all())
    if behind_api_gateway:
        checks = [check for check in checks if check.__name__ not in ("unsupported_method", "allow_header_conformance")]
    if case.operation.path == "/health":
        checks = [check for check in checks if check.__name__ != "not_a_server_error"]
    if case.media_type == "multipart/form-data":  # a schema-valid file is any bytes; only a real image is accepted
        checks = [check for check in checks if check.__name__ != "positive_data_acceptance"]
    return checks


@pytest.fixture(scope="module")
def bearer(api_settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(api_settings, sub=FUZZ_USER, email='fuzz@example.com')}"}


@pytest.fixture(scope="module")
def lambda_url(api_handlers, api_settings) -> Iterator[str]:
    """The in-process Lambda handlers behind a loopback HTTP listener (schemathesis speaks HTTP)."""
    from waitress.server import create_server

    app = LambdaAsWsgi(api_handlers, authorizer.from_settings(api_settings))
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, name="lambda-wsgi", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_lambda_handlers_answer_what_the_document_says(case, lambda_url, bearer):
    case.call_and_validate(base_url=lambda_url, headers=bearer, checks=_all_checks(case))


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_serverful_backend_answers_what_the_document_says(case, express_url, bearer):
    case.call_and_validate(base_url=express_url, headers=bearer, checks=_all_checks(case))


@schema.parametrize()
@FUZZ_SETTINGS
def test_the_serverless_backend_answers_what_the_document_says(case, up_urls, bearer):
    checks = _all_checks(case, behind_api_gateway=True)
    case.call_and_validate(base_url=up_urls["serverless"], headers=bearer, checks=checks)
