"""CloudWatch dashboards declared in Python: express vs serverless, serverless detail, alarms overview.

Widgets are declared with a small facade (:mod:`dashboards.facade`) over the catalogue, laid out on
the 24-column grid by :mod:`dashboards.layout`, and rendered to a dashboard body by
:mod:`dashboards.body`, which also validates the structure.
"""
