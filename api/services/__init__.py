"""Business logic per resource, scoped to the calling user; no HTTP in here."""
