"""The local AWS that ``brickguard up`` runs for the serverless backend.

One module per AWS piece, each naming the behaviour it mirrors: the HTTP API
gateway (``gateway``, ``payload_v2``, ``authorizer``, ``limits``), Lambda's
Runtime API (``runtime_api``) and execution environments (``environment``,
``pool``), the Invoke API (``invoke_api``), the EventBridge keep-warm schedule
(``scheduler``) and the X-Ray daemon (``xray``). ``local_aws`` composes them.

Beside them: the local CloudWatch (``metrics``: store, EMF ingestion, platform
metrics, live alarms; ``dashboard``: the comparison page; ``observatory``
composes them), fault injection (``chaos``) and the load generator (``load``).

Nothing that ships to Lambda imports this package.
"""
