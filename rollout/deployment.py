"""The deployed API as its users reach it: each backend's edge URL and a token its JWT authorizer accepts.

Read by the smoke flow (:mod:`rollout.smoke`) and ``brickguard parity``, so both check the
deployment rather than a laptop. From the deployed stack: serverless is the HTTP API's URL (output
``ApiEndpoint``), express is ``https://`` + the stack parameter ``ExpressHost`` (the host its load
balancer answers on, the one the express weighted record and health check point at). A token is the
operator's, or an ID token from the user pool the stack names (parameters ``CognitoUserPoolId`` and
``CognitoAudience``: its first app client, the one ``/config.json`` hands the frontend), obtained with
``InitiateAuth`` (``USER_PASSWORD_AUTH``; the app client must allow that flow and have no secret).
"""

from __future__ import annotations

from typing import Any

from rollout.target import DeployedStack, TargetError
from runtime.telemetry import catalogue

API_ENDPOINT_OUTPUT = "ApiEndpoint"
EXPRESS_HOST_PARAMETER = "ExpressHost"
AUDIENCE_PARAMETER = "CognitoAudience"


def stack_edge_urls(stack: DeployedStack) -> dict[str, str]:
    """``{backend: URL}`` for the backends the stack names."""
    urls = {}
    host = stack.parameters.get(EXPRESS_HOST_PARAMETER)
    if host:
        urls[catalogue.EXPRESS] = f"https://{host}"
    if stack.outputs.get(API_ENDPOINT_OUTPUT):
        urls[catalogue.SERVERLESS] = stack.outputs[API_ENDPOINT_OUTPUT].rstrip("/")
    return urls


def app_client_id(stack: DeployedStack) -> str | None:
    """The first app client of ``CognitoAudience``: the one ``/config.json`` hands the frontend."""
    first = stack.parameters.get(AUDIENCE_PARAMETER, "").split(",")[0].strip()
    return first or None


def edge_urls(
    given: dict[str, str | None], stack: DeployedStack | None, backends: tuple[str, ...] = catalogue.BACKENDS
) -> dict[str, str]:
    """Each backend's URL: the one given, else the stack's; a backend neither names is a :class:`TargetError`."""
    from_stack = stack_edge_urls(stack) if stack is not None else {}
    urls = {backend: (given.get(backend) or from_stack.get(backend) or "").rstrip("/") for backend in backends}
    missing = [backend for backend, url in urls.items() if not url]
    if missing:
        options = ", ".join(f"--{backend}-url" for backend in missing)
        where = " (the stack names none)" if stack is not None else ", or --stack-name to read them from the stack"
        raise TargetError(f"no edge URL for {' and '.join(missing)}: give {options}{where}")
    return urls


def user_pool_token(
    username: str, password: str, *, client_id: str, region: str, endpoint_url: str | None = None
) -> str:
    """An ID token of ``username`` from the user pool of ``client_id`` (``InitiateAuth``, ``USER_PASSWORD_AUTH``)."""
    import boto3
    from botocore.exceptions import ClientError

    client: Any = boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint_url)
    try:
        reply = client.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as exc:
        error = exc.response["Error"]
        reason = f"{error.get('Code')}: {error.get('Message')}"
        raise TargetError(f"user pool sign-in of {username} failed: {reason}") from None
    result = reply.get("AuthenticationResult")
    if not result:  # a challenge (new password required, MFA): not something a rollout can answer
        raise TargetError(f"user pool sign-in of {username} asks for {reply.get('ChallengeName')}: "
                          "use a user with a permanent password and no MFA, or give --token")
    return str(result["IdToken"])
