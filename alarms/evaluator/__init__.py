"""An offline CloudWatch alarm evaluator: ``promtool test rules`` for metric and composite alarms.

It reads the same request dicts that deploy puts (see :mod:`alarms.render`) and replays synthetic
series through CloudWatch's semantics: period statistics including percentiles, metric math, M of N
with ``TreatMissingData``, composite rules and actions suppression.
"""
