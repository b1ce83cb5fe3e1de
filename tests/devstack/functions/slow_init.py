"""A function whose module takes a second to import, through the real guard runtime."""

import time

import runtime.coldstart  # noqa: F401 - first import, as api.handlers does

time.sleep(1.0)

from api.app import function_resolver  # noqa: E402
from runtime.wrapper import guarded_handler  # noqa: E402

handler = guarded_handler(function_resolver("health"), function="health")
