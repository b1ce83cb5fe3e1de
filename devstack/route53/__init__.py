"""The local Route53 side of the rollout: the weighted records and config bucket up creates in moto,
and the front door that splits requests between the backends by those weights.
"""
