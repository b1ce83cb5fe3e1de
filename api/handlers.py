"""Lambda entry points, one per function of the architecture: Lambda's composition root.

Module init builds the function's dependencies from the environment, once per
execution environment, and the guarded handlers over them; each takes an API
Gateway HTTP API payload v2.0 event (or a keep-warm ping). Clients are built on
first use, so importing this module stays cheap for cold starts.
"""

from __future__ import annotations

from api import dependencies
from api.composition import build_handlers
from runtime import coldstart  # noqa: F401  - first import: marks the start of init for InitDuration

DEPENDENCIES = dependencies.get()
HANDLERS = build_handlers(DEPENDENCIES)

health = HANDLERS["health"]
mocs = HANDLERS["mocs"]
gallery = HANDLERS["gallery"]
wishlist = HANDLERS["wishlist"]
profile = HANDLERS["profile"]
upload = HANDLERS["upload"]
csv_parser = HANDLERS["csv-parser"]
