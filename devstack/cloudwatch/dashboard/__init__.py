"""The comparison page ``brickguard up`` serves at ``/dashboard``: declared dashboards drawn live."""
