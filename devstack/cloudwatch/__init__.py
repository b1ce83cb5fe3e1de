"""The local CloudWatch: the metric store fed by both backends' EMF and Lambda's platform lines
(metrics/), the live alarms and the PagerDuty stand-in, and the comparison dashboard page
(dashboard/); the observatory composes them.
"""
