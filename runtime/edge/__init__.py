"""The API Gateway HTTP API edge, written once and shared by express and the local gateway.

What API Gateway does before a Lambda function runs: match the route of the function table
(:mod:`runtime.edge.routes`), validate the token with the JWT authorizer
(:mod:`runtime.edge.authorizer`), build the payload v2.0 event (:mod:`runtime.edge.payload_v2`)
and answer a browser's CORS preflight (:mod:`runtime.edge.cors`). Express (``runtime.serverful``)
runs these in-process; the local gateway (``devstack.apigateway``) runs them in front of the local
Lambda. One implementation is what makes "only the backend tag differs" true by construction.
"""
