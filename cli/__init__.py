"""The ``brickguard`` command line: the composition root (it may import everything)."""
