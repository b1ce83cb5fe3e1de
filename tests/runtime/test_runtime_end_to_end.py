"""The guard runtime around the real handlers: EMF, /metrics, X-Ray segments, keep-warm."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from runtime import process
from tests.runtime.telemetry.emf_spec import emf_violations
from tests.support.clients import FakeLambdaContext, v2_event
from tests.support.guard_process import restore_guard_process
from tests.support.helpers import moc_body


@pytest.fixture
def user() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def _emf_documents(text: str) -> list[dict]:
    docs = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            docs.append(json.loads(line))
    return docs


def _total(value) -> float:
    return sum(value) if isinstance(value, list) else value


def test_lambda_handler_prints_valid_emf_tagged_serverless(lambda_client, capfd, user):
    mocs = lambda_client.handler("mocs")
    capfd.readouterr()
    response = mocs(v2_event("GET", "/api/mocs", claims={"sub": user}), FakeLambdaContext())
    assert response["statusCode"] == 200
    docs = _emf_documents(capfd.readouterr().out)
    assert docs, "no EMF document printed"
    for doc in docs:
        assert emf_violations(doc) == []
        assert doc["backend"] == "serverless" and doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "LegoApi"
    request_docs = [d for d in docs if d.get("route") == "GET /api/mocs"]
    assert request_docs and _total(request_docs[0]["Requests"]) == 1.0


def test_emf_is_flushed_when_the_handler_fails(lambda_client, capfd, caplog, monkeypatch, user):
    from api.services import mocs as mocs_service

    def broken(*args, **kwargs):
        raise RuntimeError("database exploded with secret details")

    monkeypatch.setattr(mocs_service, "list_mocs", broken)
    mocs = lambda_client.handler("mocs")
    capfd.readouterr()
    response = mocs(v2_event("GET", "/api/mocs", claims={"sub": user}), FakeLambdaContext())
    out = capfd.readouterr().out
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and body["error"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret details" not in response["body"]
    docs = [d for d in _emf_documents(out) if d.get("route") == "GET /api/mocs"]
    assert docs and _total(docs[0]["Errors5xx"]) == 1.0
    request_id = body["error"]["requestId"]
    access = [r for r in caplog.records if getattr(r, "requestId", None) == request_id]
    assert any(getattr(r, "status", None) == 500 for r in access)  # the access line
    assert any(r.levelname == "ERROR" and getattr(r, "errorType", None) == "RuntimeError" for r in access)


def test_express_metrics_show_the_same_figures_tagged_express(express_client, user):
    for _ in range(3):
        assert express_client.call("GET", "/api/mocs", user=user).status == 200
    text = requests.get(express_client.base_url + "/metrics", timeout=5).text
    samples = [s for family in text_string_to_metric_families(text) for s in family.samples]
    requests_total = [
        s for s in samples
        if s.name == "brickguard_requests_total" and s.labels.get("route") == "GET /api/mocs"
    ]
    assert requests_total and all(s.labels["backend"] == "express" for s in requests_total)
    assert sum(s.value for s in requests_total) >= 3
    assert not any("user" in label for s in samples for label in s.labels)


def test_xray_segment_has_dependency_subsegments(lambda_client, api_settings, xray_daemon, user):
    settings = dataclasses.replace(api_settings, backend="express", tracing="xray")
    saved = process._current
    process.install(settings)
    try:
        mocs = lambda_client.handler("mocs")
        trace_root = "1-5759e988-bd862e3fe1be46a994272793"
        event = v2_event("GET", "/api/mocs", claims={"sub": user},
                         headers={"x-amzn-trace-id": f"Root={trace_root};Sampled=1"})
        assert mocs(event, FakeLambdaContext())["statusCode"] == 200
        segments = [e for e in xray_daemon.entities(expected=1) if e.get("trace_id") == trace_root]
    finally:
        restore_guard_process(saved)
    assert segments, "no segment continued the incoming trace"
    segment = segments[0]
    assert segment["annotations"]["backend"] == "express" and segment["annotations"]["route"] == "GET /api/mocs"
    names = {sub["name"] for sub in segment.get("subsegments", [])}
    assert "postgres" in names or "redis" in names


def test_warmer_payload_returns_summary_without_business_code(lambda_client, monkeypatch, capfd):
    from api.services import mocs as mocs_service

    monkeypatch.setattr(mocs_service, "list_mocs", lambda *a, **k: pytest.fail("business code ran"))
    mocs = lambda_client.handler("mocs")
    capfd.readouterr()
    summary = mocs({"warmer": True, "concurrency": 1}, FakeLambdaContext())
    assert summary["warm"] is True and summary["concurrency"] == 1
    assert {"coldStart", "correlationId", "instanceId"} <= set(summary)
    docs = _emf_documents(capfd.readouterr().out)
    assert any(_total(d.get("KeepWarmPing", 0)) == 1.0 for d in docs)
    assert not any("Requests" in d for d in docs)


def test_http_event_with_warmer_body_is_a_normal_request(lambda_client, user):
    mocs = lambda_client.handler("mocs")
    event = v2_event("POST", "/api/mocs", body=json.dumps({"warmer": True, "concurrency": 3}), claims={"sub": user})
    response = mocs(event, FakeLambdaContext())
    assert response["statusCode"] == 400  # validated as a MOC body, not taken for a ping
    created = mocs(v2_event("POST", "/api/mocs", body=json.dumps(moc_body("Real")), claims={"sub": user}),
                            FakeLambdaContext())
    assert created["statusCode"] == 201
