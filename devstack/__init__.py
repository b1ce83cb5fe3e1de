"""The local AWS that ``brickguard up`` runs, one sub-package per AWS service it mirrors.

Like LocalStack's and moto's source trees, a reader finds a service by folder name:
``apigateway`` (the HTTP API and its JWT authorizer), ``lambda_`` (Runtime API, execution
environments running ``awslambdaric``, the pool, the Invoke API, the on-failure queue),
``eventbridge`` (the keep-warm schedule), ``xray`` (the daemon), ``cloudwatch`` (metric store,
live alarms, the dashboard page), ``route53`` (weighted records and the front door), ``s3`` (a moto
server). ``local_aws`` composes the serverless side. Beside them: the embedded PostgreSQL and Redis
servers (``embedded``), fault injection (``chaos``) and the open-loop load generator (``load``).

Nothing that ships to Lambda or runs in the express server imports this package.
"""
