"""The local Lambda: the Runtime API, execution environments running awslambdaric, the pool with
provisioned and on-demand environments, the Invoke API (synchronous and Event), platform log lines
(START/END/REPORT) and the on-failure queue of asynchronous events. Named with a trailing
underscore, like LocalStack's, because lambda is a keyword.
"""
