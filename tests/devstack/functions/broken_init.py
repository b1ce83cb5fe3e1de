"""A function whose module fails to import: Lambda reports an init error."""

raise ImportError("this function cannot initialise")
