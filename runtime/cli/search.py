"""``brickguard search``: search index maintenance."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from runtime.cli.options import load_settings


@click.group()
def search() -> None:
    """Search index maintenance (OpenSearch)."""


@search.command()
def reindex() -> None:
    """Bulk-index every MOC, image and wishlist item from PostgreSQL, with a progress bar.

    Reads DATABASE_URL and OPENSEARCH_URL (the URLs `brickguard up` prints).

    \b
    Example:
      DATABASE_URL=postgresql://postgres@127.0.0.1:5432/brickguard \\
      OPENSEARCH_URL=http://127.0.0.1:9200 brickguard search reindex
    """
    from api.dependencies import Dependencies
    from api.search_reindex import count_documents
    from api.search_reindex import reindex as run_reindex

    settings = load_settings()
    for name, value in (("DATABASE_URL", settings.database_url), ("OPENSEARCH_URL", settings.opensearch_url)):
        if not value:
            raise click.UsageError(f"{name} is not set")
    deps = Dependencies(settings)
    total = count_documents(deps)
    columns = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("reindex", total=total)
        for written in run_reindex(deps):
            progress.advance(task, written)
    click.echo(f"indexed {total} documents")
