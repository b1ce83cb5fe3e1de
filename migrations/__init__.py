"""Versioned schema changes (Alembic): today's schema as the first revision, every change after it.

Applied by ``brickguard up``, the test fixtures and ``brickguard deploy`` (see docs/deploy.md),
never by a Lambda function: a schema change is a deploy step, so alembic does not ship.
Every revision after the first states why a legacy backend sharing the database keeps working
(the change is additive, nullable or defaulted): seed 001 has both backends on one database.
"""
