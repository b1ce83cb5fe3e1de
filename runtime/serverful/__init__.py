"""The serverful backend (express): the waitress server that turns each request into the same v2.0
event and calls the same guarded handler, its connection channel (waitress's own errors in the
envelope) and the operator endpoints.
"""
