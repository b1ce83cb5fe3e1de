"""Demo data for ``brickguard up``: loaded once per database, never again (even if deleted)."""

from __future__ import annotations

from fractional_indexing import generate_n_keys_between
from sqlalchemy.orm import Session

from api.models import (
    AppMeta,
    GalleryAlbum,
    GalleryImage,
    MocFile,
    MocGalleryImage,
    MocInstruction,
    MocPartsList,
    WishlistItem,
)

DEMO_USER = "demo-user"
MARKER = "demo_data_loaded"

_MOCS = [
    ("moc", "Modular Bookshop", "A three-storey corner bookshop with a reading nook", "brick_builder", None,
     "Modular Buildings", ["modular", "city", "100%_custom"]),
    ("moc", "Tiny Space Shuttle", "Micro-scale shuttle with launch pad", "astro_bricks", None, "Space",
     ["space", "micro"]),
    ("set", "Medieval Blacksmith", "Official set 21325 with water wheel", None, "LEGO", "Ideas",
     ["castle", "ideas"]),
]


def load_demo_data(session: Session) -> bool:
    """Insert the demo rows unless they were loaded before; True when it loaded them."""
    if session.get(AppMeta, MARKER) is not None:
        return False
    album = GalleryAlbum(user_id=DEMO_USER, title="Builds of 2026", description="Finished this year")
    session.add(album)
    session.flush()
    images = [
        GalleryImage(
            user_id=DEMO_USER, title=f"Bookshop photo {n}", image_url=f"https://example.com/img/bookshop-{n}.jpg",
            tags=["modular"], album_id=album.id,
        )
        for n in (1, 2)
    ]
    session.add_all(images)
    for moc_type, title, description, author, brand, theme, tags in _MOCS:
        moc = MocInstruction(
            user_id=DEMO_USER, type=moc_type, title=title, description=description, author=author,
            brand=brand, theme=theme, tags=tags, parts_count=1500,
        )
        session.add(moc)
        session.flush()
        instructions = MocFile(
            moc_id=moc.id, file_type="instruction", file_url=f"https://example.com/files/{moc.id}.pdf",
            original_filename=f"{title}.pdf", mime_type="application/pdf",
        )
        session.add(instructions)
        session.flush()
        session.add(MocPartsList(moc_id=moc.id, file_id=instructions.id, title="Main build", total_parts_count=1500))
    first_moc = session.query(MocInstruction).filter_by(user_id=DEMO_USER, title=_MOCS[0][1]).one()
    session.add_all(MocGalleryImage(moc_id=first_moc.id, gallery_image_id=image.id) for image in images)
    wishes = [("Eiffel Tower 10307", "sets"), ("Dark tan 1x2 plates", "parts"), ("Titanic 10294", "sets")]
    session.add_all(
        WishlistItem(user_id=DEMO_USER, title=title, category=category, position=n, sort_key=key)
        for n, ((title, category), key) in enumerate(zip(wishes, generate_n_keys_between(None, None, 3), strict=True))
    )
    session.add(AppMeta(key=MARKER, value="1"))
    session.commit()
    return True
