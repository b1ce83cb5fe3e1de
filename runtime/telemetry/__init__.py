"""Telemetry: the metric catalogue, the request context, metric sinks, tracing and logging."""
