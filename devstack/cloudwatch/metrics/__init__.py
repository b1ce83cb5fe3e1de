"""Local CloudWatch metrics: a bounded store, EMF ingestion, AWS platform publishing and live alarms.

``store`` keeps raw samples and answers CloudWatch statistics; ``emf`` turns log lines into samples;
``platform`` is what the local gateway and Lambda pool call to publish ``AWS/Lambda`` and
``AWS/ApiGateway`` metrics; ``live_alarms`` evaluates the deployed alarm definitions on the store
with the offline evaluator; ``notifications`` records what PagerDuty would receive.
"""
