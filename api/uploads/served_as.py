"""How a stored upload is served: never as a document a browser would run (stored XSS on the uploads origin).

The bucket (or its CDN) serves every object with the ``Content-Type`` and ``Content-Disposition``
stored with it. An XHTML or SVG document uploaded as a well-formed XML "model" and served as
``application/xml`` runs its script in the uploads origin when opened. So:

* images (the WebP renditions the API encodes itself) are served inline, as what they are;
* everything else is served ``attachment`` (the browser downloads it, nothing renders), and a
  type that can carry active content (anything XML, HTML, SVG, JavaScript) is stored as
  ``application/octet-stream``, so a client or proxy that ignores the disposition still
  renders nothing.

The row keeps the file's real type (``mimeType``); only the served headers change.
``X-Content-Type-Options: nosniff`` cannot be stored with an S3 object (S3 serves only its fixed
metadata headers and ``x-amz-meta-*``): the CDN's response headers policy adds it (docs/uploads.md).
"""

from __future__ import annotations

INLINE_TYPES = frozenset({"image/webp", "image/jpeg", "image/png"})
ACTIVE_MARKERS = ("xml", "html", "svg", "javascript", "ecmascript")
INERT_TYPE = "application/octet-stream"


def served_as(content_type: str, filename: str) -> tuple[str, str]:
    """``(Content-Type, Content-Disposition)`` to store with an object of ``content_type`` named ``filename``.

    >>> served_as("application/xml", "abc.xml")
    ('application/octet-stream', 'attachment; filename="abc.xml"')
    >>> served_as("image/webp", "abc.webp")
    ('image/webp', 'inline')
    """
    essence = content_type.split(";", 1)[0].strip().lower()
    if essence in INLINE_TYPES:
        return essence, "inline"
    safe_name = "".join(char for char in filename if char.isascii() and (char.isalnum() or char in "._-")) or "file"
    served = INERT_TYPE if any(marker in essence for marker in ACTIVE_MARKERS) else essence
    return served, f'attachment; filename="{safe_name}"'
