"""``brickguard load``: open-loop traffic against one or both backends, measured and compared."""
