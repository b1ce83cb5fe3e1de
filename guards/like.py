"""Safe ``ILIKE`` patterns: user text is matched literally, never as a wildcard."""

from __future__ import annotations

LIKE_ESCAPE = "\\"
MAX_SEARCH_TERM_LENGTH = 100


def escape_like(term: str, max_length: int = MAX_SEARCH_TERM_LENGTH) -> str:
    """``term`` capped and with ``\\``, ``%`` and ``_`` escaped, wrapped in ``%…%``.

    >>> escape_like("50%_off")
    '%50\\\\%\\\\_off%'
    """
    capped = term[:max_length]
    escaped = capped.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
