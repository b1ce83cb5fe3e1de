"""``brickguard search``: search index maintenance."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cli.options import load_settings
from stack import function_environment as env


@click.group()
def search() -> None:
    """Search index maintenance (OpenSearch)."""


def _opensearch_client(url: str) -> object:
    from opensearchpy import OpenSearch

    return OpenSearch(hosts=[url], timeout=10, max_retries=2, retry_on_timeout=True)


@search.command()
def init() -> None:
    """Create the search indices with their explicit mappings, or add missing fields (idempotent).

    Run it once per cluster before the first deploy, and after a release that adds a field.
    A field mapped with a different type cannot change in place: the command says so and exits 1.

    \b
    Example:
      OPENSEARCH_URL=http://127.0.0.1:9200 brickguard search init
    """
    from api.adapters.search_index import IndexNotReady, init_indices

    settings = load_settings()
    if not settings.opensearch_url:
        raise click.UsageError("OPENSEARCH_URL is not set")
    try:
        outcome = init_indices(_opensearch_client(settings.opensearch_url))
    except IndexNotReady as error:
        raise click.ClickException(str(error)) from None
    for index, result in outcome.items():
        click.echo(f"{index}: {result}")


@search.command()
def reindex() -> None:
    """Bulk-index every MOC, image and wishlist item from PostgreSQL, with a progress bar
    (creates the indices first, as `search init` does).

    Reads DATABASE_URL and OPENSEARCH_URL (the URLs `brickguard up` prints).

    \b
    Example:
      DATABASE_URL=postgresql://postgres@127.0.0.1:5432/brickguard \\
      OPENSEARCH_URL=http://127.0.0.1:9200 brickguard search reindex
    """
    from api.adapters.search_index import init_indices
    from api.adapters.search_reindex import count_documents
    from api.adapters.search_reindex import reindex as run_reindex
    from api.dependencies import Dependencies

    settings = load_settings()
    for name, value in ((env.DATABASE_URL, settings.database_url), (env.OPENSEARCH_URL, settings.opensearch_url)):
        if not value:
            raise click.UsageError(f"{name} is not set")
    deps = Dependencies(settings)
    init_indices(deps.search.client)  # a reindex into indices OpenSearch would create dynamically is useless
    total = count_documents(deps.database)
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("reindex", total=total)
        for written in run_reindex(deps.database, deps.search):
            progress.advance(task, written)
    click.echo(f"indexed {total} documents")
