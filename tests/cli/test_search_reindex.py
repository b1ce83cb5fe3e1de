"""``brickguard search reindex`` fills an empty index from PostgreSQL."""

from __future__ import annotations

from click.testing import CliRunner

from cli.main import cli
from tests.support.helpers import moc_body


def test_reindex_indexes_every_document(lambda_client, api_settings, opensearch_standin, monkeypatch, user):
    lambda_client.call("POST", "/api/mocs", json_body=moc_body("Reindexed Tower"), user=user)
    lambda_client.call("POST", "/api/wishlist", json_body={"title": "Reindexed wish"}, user=user)
    monkeypatch.setenv("DATABASE_URL", api_settings.database_url)
    monkeypatch.setenv("OPENSEARCH_URL", opensearch_standin.url)
    result = CliRunner().invoke(cli, ["search", "reindex"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    mocs = opensearch_standin.documents("mocs")
    wishes = opensearch_standin.documents("wishlist_items")
    assert any(doc["title"] == "Reindexed Tower" and doc["userId"] == user for doc in mocs.values())
    assert any(doc["title"] == "Reindexed wish" for doc in wishes.values())
    indexed = int(result.output.strip().splitlines()[-1].split()[1])
    assert indexed == len(mocs) + len(wishes) + len(opensearch_standin.documents("gallery_images"))


def test_reindex_without_opensearch_is_a_usage_error(monkeypatch):
    monkeypatch.delenv("OPENSEARCH_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:1/db")
    result = CliRunner().invoke(cli, ["search", "reindex"])
    assert result.exit_code == 2 and "OPENSEARCH_URL" in result.output
