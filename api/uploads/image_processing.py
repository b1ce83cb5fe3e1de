"""Uploaded images: validated by their content, turned upright, resized and re-encoded as WebP.

What the client says (file name, part content type) is never trusted:

1. the first bytes must be a JPEG, PNG or WebP signature;
2. Pillow reads the header only, and the decoded dimensions must stay within
   :data:`MAX_PIXELS` (a decompression bomb — a few KB declaring 30000x30000 — is
   refused before a single pixel is decoded) and :data:`MAX_SIDE`;
3. the memory decoding needs — pixels x bytes per pixel of the mode, after a JPEG's reduced-scale
   ``draft`` — must stay within :data:`MAX_DECODED_BYTES` (413), also known before decoding;
   the work then reserves its share of the process's memory budget
   (:mod:`~api.uploads.image_memory`: concurrent uploads take turns) and checks the request's
   deadline between stages (504 once it has run out);
4. decoding must succeed (a truncated or corrupt file is a 400, not a 500).

The output carries no metadata: EXIF orientation is applied to the pixels, then the
WebP is written without EXIF, XMP or ICC (the WebP encoder only writes what it is given).
Large JPEGs are decoded at a reduced scale (``draft``) when the target is much smaller,
which is most of the time and memory saved on a 4 MB photo.

Pillow is imported on the first upload, not with the handler module (cold start).

Example::

    full, thumbnail = process(data, GALLERY, GALLERY_THUMBNAIL)   # WebP bytes with width and height
    (avatar,) = process(data, AVATAR)                              # 256x256, centre-cropped
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from api.uploads import image_memory
from guards import deadline
from runtime.errors import PayloadTooLarge, ValidationError

MAX_PIXELS = 50_000_000
"""Pixels a header may declare (a 50 MP camera); a JPEG that large is decoded at a reduced scale."""
MAX_DECODED_BYTES = 128 * 1024 * 1024
"""Memory one decoded image may take: a 32 MP RGB(A) image (Pillow keeps 4 bytes a pixel), or a
50 MP JPEG decoded at half scale. A 7071x7071 PNG (RGBA, 16-bit or not) needs 200 MB: refused."""
MAX_SIDE = 20_000
WEBP_QUALITY = 80
WEBP_CONTENT_TYPE = "image/webp"

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"WEBP", 8, "WEBP"),  # after b"RIFF" + 4 size bytes
)
_ROTATING_ORIENTATIONS = (5, 6, 7, 8)  # EXIF orientations that swap width and height
_ORIENTATION_TAG = 0x0112


@dataclass(frozen=True, slots=True)
class ImageSpec:
    """One rendition: fit within ``max_width`` x ``max_height`` (never enlarged), or ``cropped`` to exactly that.

    A cropped rendition fills the box: scaled so the shorter side fits, then the centre is cut
    out — an avatar is a face in the middle of a photo more often than anything else, and a
    square padded with bars looks broken in a round avatar frame. It is enlarged when smaller.
    """

    name: str
    max_width: int
    max_height: int
    cropped: bool = False


GALLERY = ImageSpec("gallery", 2048, MAX_SIDE)
GALLERY_THUMBNAIL = ImageSpec("thumbnail", 400, MAX_SIDE)
WISHLIST = ImageSpec("wishlist", 800, MAX_SIDE)
AVATAR = ImageSpec("avatar", 256, 256, cropped=True)


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int
    content_type: str = WEBP_CONTENT_TYPE


def sniff_format(data: bytes) -> str | None:
    """``JPEG``, ``PNG`` or ``WEBP`` from the file's first bytes; None for anything else."""
    for signature, offset, name in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature and (name != "WEBP" or data[:4] == b"RIFF"):
            return name
    return None


def process(data: bytes, *specs: ImageSpec) -> list[ProcessedImage]:
    """Validate ``data`` and render it once per spec (largest first) as WebP; bad images raise a 400."""
    image_format = sniff_format(data)
    if image_format is None:
        raise ValidationError("File is not a JPEG, PNG or WebP image")
    from PIL import Image, ImageOps  # lazy: tens of ms of imports, only on upload paths

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own bomb check, a second line behind ours
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])
    except Image.DecompressionBombError:
        raise ValidationError(f"Image declares more than {MAX_PIXELS // 1_000_000} megapixels") from None
    except (OSError, ValueError, SyntaxError):
        raise ValidationError(f"File is not a readable {image_format} image") from None
    _check_dimensions(image.size)
    try:
        _draft(image, specs)
        needed = image_memory.decoded_bytes(image.mode, image.size)
        if needed > MAX_DECODED_BYTES:
            raise PayloadTooLarge(
                f"Image is {image.size[0]}x{image.size[1]} pixels ({image.mode}): decoding it needs "
                f"{needed // 2**20} MB, at most {MAX_DECODED_BYTES // 2**20} MB; send a smaller image"
            )
        with image_memory.BUDGET.reserve(needed * image_memory.WORKING_COPIES):
            deadline.call_timeout(1.0)  # DeadlineExceeded (504) if the wait for room used the request's time
            source = _decode_upright(image, ImageOps)
            rendered = []
            for spec in specs:  # largest first: each smaller rendition is resized from the one before
                deadline.call_timeout(1.0)
                resized = _resize(source, spec, Image, ImageOps)
                rendered.append(_encode(resized))
                source = resized
            return rendered
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError(f"File is not a complete {image_format} image") from None


def _check_dimensions(size: tuple[int, int]) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ValidationError("Image has no pixels")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ValidationError(
            f"Image is {width}x{height} pixels; at most {MAX_SIDE} per side and {MAX_PIXELS // 1_000_000} megapixels"
        )


def _draft(image: Any, specs: tuple[ImageSpec, ...]) -> None:
    """Let a JPEG decode at the smallest scale the specs allow: ``image.size`` becomes that scale's, undecoded.

    Only a JPEG: ``draft`` does nothing to the others, and a PNG's ``getexif`` decodes every pixel
    to look for an ``eXIf`` chunk after the image data.
    """
    if image.format != "JPEG":
        return
    rotated = image.getexif().get(_ORIENTATION_TAG) in _ROTATING_ORIENTATIONS
    width = max(spec.max_width for spec in specs)
    height = max(spec.max_height for spec in specs)
    image.draft("RGB", (height, width) if rotated else (width, height))


def _decode_upright(image: Any, image_ops: Any) -> Any:
    """The pixels, EXIF orientation applied, in RGB(A)."""
    upright = image_ops.exif_transpose(image)  # loads the pixels
    return upright.convert("RGBA" if _has_alpha(upright) else "RGB")


def _resize(upright: Any, spec: ImageSpec, image_module: Any, image_ops: Any) -> Any:
    """Within the spec's box, aspect kept, only ever shrinking; a cropped spec: exactly the box, centre kept."""
    if spec.cropped:
        return image_ops.fit(upright, (spec.max_width, spec.max_height), image_module.Resampling.LANCZOS)
    resized = upright.copy()
    resized.thumbnail((spec.max_width, spec.max_height), image_module.Resampling.LANCZOS)
    return resized


def _encode(image: Any) -> ProcessedImage:
    """WebP with no metadata: the encoder writes EXIF, XMP and ICC only when handed them."""
    out = io.BytesIO()
    image.save(out, "WEBP", quality=WEBP_QUALITY)
    return ProcessedImage(out.getvalue(), image.width, image.height)


def _has_alpha(image: Any) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
