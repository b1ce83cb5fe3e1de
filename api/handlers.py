"""Lambda entry points, one per function of the architecture.

Each takes an API Gateway HTTP API payload v2.0 event (or a keep-warm ping)
and goes through the guard runtime's single wrapper. Clients are built on
first use, so importing this module stays cheap for cold starts.
"""

from __future__ import annotations

from api import dependencies
from api.app import function_resolver
from api.services import parts_import
from runtime import coldstart  # noqa: F401  - first import: marks the start of init for InitDuration
from runtime.event_handler import guarded_event_handler
from runtime.wrapper import guarded_handler


def _warmup() -> None:
    dependencies.get().warmup()


health = guarded_handler(function_resolver("health"), function="health", warmup=_warmup)
mocs = guarded_handler(function_resolver("mocs"), function="mocs", warmup=_warmup)
gallery = guarded_handler(function_resolver("gallery"), function="gallery", warmup=_warmup)
wishlist = guarded_handler(function_resolver("wishlist"), function="wishlist", warmup=_warmup)
profile = guarded_handler(function_resolver("profile"), function="profile", warmup=_warmup)
upload = guarded_handler(function_resolver("upload"), function="upload", warmup=_warmup)
csv_parser = guarded_event_handler(
    lambda event: parts_import.import_parts_list(dependencies.get(), event),
    function="csv-parser", route="Event csv-parser", warmup=_warmup,
)

HANDLERS = {
    "health": health, "mocs": mocs, "gallery": gallery, "wishlist": wishlist, "profile": profile, "upload": upload,
    "csv-parser": csv_parser,
}
