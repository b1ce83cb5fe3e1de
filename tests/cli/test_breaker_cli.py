"""``brickguard breaker`` against the running main job."""

from __future__ import annotations

import json

import requests
from click.testing import CliRunner

from cli.main import cli
from tests.support.helpers import moc_body


def _breaker(express_url, api_settings, *args):
    result = CliRunner().invoke(
        cli, ["breaker", *args, "--url", express_url, "--data-dir", api_settings.data_dir], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_force_redis_open_then_release(express_client, express_url, api_settings, user):
    created = express_client.call("POST", "/api/mocs", json_body=moc_body("Forced"), user=user)
    assert created.status == 201
    status = json.loads(_breaker(express_url, api_settings, "status", "redis", "--json"))
    assert status["state"] == "closed" and status["forced"] is None

    _breaker(express_url, api_settings, "open", "redis")
    status = json.loads(_breaker(express_url, api_settings, "status", "redis", "--json"))
    assert status["state"] == "open" and status["forced"] == "open"
    # reads keep working from PostgreSQL, writes too
    assert express_client.call("GET", "/api/mocs", user=user).json["data"][0]["title"] == "Forced"
    moc_id = created.json["data"]["id"]
    patched = express_client.call("PATCH", f"/api/mocs/{moc_id}", json_body={"title": "Forced 2"}, user=user)
    assert patched.status == 200

    _breaker(express_url, api_settings, "release", "redis")
    assert express_client.call("GET", f"/api/mocs/{moc_id}", user=user).json["data"]["title"] == "Forced 2"
    table = _breaker(express_url, api_settings, "status")
    assert "redis" in table and "postgres" in table and "opensearch" in table


def test_admin_endpoint_needs_the_token(express_url):
    assert requests.get(express_url + "/_brickguard/breakers", timeout=5).status_code == 401
    wrong = requests.get(express_url + "/_brickguard/breakers", headers={"X-Brickguard-Admin": "nope"}, timeout=5)
    assert wrong.status_code == 401


def test_unknown_breaker_name_is_rejected(express_url, api_settings):
    result = CliRunner().invoke(cli, ["breaker", "open", "mysql", "--url", express_url,
                                      "--data-dir", api_settings.data_dir])
    assert result.exit_code == 2 and "mysql" in result.output


def test_breaker_finds_the_running_up_of_its_data_dir_without_url(express_url, api_settings, monkeypatch):
    monkeypatch.delenv("BRICKGUARD_URL", raising=False)
    result = CliRunner().invoke(cli, ["breaker", "status", "redis", "--json", "--data-dir", api_settings.data_dir])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["state"] in ("closed", "open", "half_open")


def test_breaker_says_when_no_up_serves_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("BRICKGUARD_URL", raising=False)
    result = CliRunner().invoke(cli, ["breaker", "status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no running `brickguard up" in result.output
