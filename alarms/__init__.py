"""Alarms and composite alarms as code, their profiles and PagerDuty routing, and an offline evaluator.

Declarations render to the exact ``PutMetricAlarm`` / ``PutCompositeAlarm`` request shapes, so the
CloudFormation stack, ``brickguard deploy`` and ``brickguard alarms test`` all read the same dicts.
"""
