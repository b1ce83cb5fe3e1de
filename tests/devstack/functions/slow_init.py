"""A function whose module takes a second to import, through the real guard runtime."""

import time

import runtime.coldstart  # noqa: F401 - first import, as api.handlers does

time.sleep(1.0)

from api.composition import build_handlers  # noqa: E402
from api.dependencies import Dependencies  # noqa: E402
from runtime import config  # noqa: E402

handler = build_handlers(Dependencies(config.load()))["health"]
