"""The one CloudFormation stack: Lambda functions, HTTP API, keep-warm schedules, paging, alarms,
dashboards and health checks — synthesized from the same declarations ``brickguard deploy`` puts."""
