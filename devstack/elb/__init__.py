"""The Application Load Balancer in front of express: its metrics and target health checks."""
