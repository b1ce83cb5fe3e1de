"""Safe ``ILIKE`` patterns: user text is matched literally, never as a wildcard."""

from __future__ import annotations

LIKE_ESCAPE = "\\"
MAX_SEARCH_TERM_LENGTH = 200  # the API rejects longer terms (400): a term is matched whole, never cut


def escape_like(term: str) -> str:
    """``term`` with ``\\``, ``%`` and ``_`` escaped, wrapped in ``%…%``.

    >>> escape_like("50%_off")
    '%50\\\\%\\\\_off%'
    """
    escaped = term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
