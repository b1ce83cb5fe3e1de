"""SQLAlchemy 2 models of the LEGO Projects API, after the architecture's TypeScript interfaces.

Column names are snake_case in PostgreSQL; the camelCase JSON shapes live in
``api.schemas``. Cascades are declared in the database (``ON DELETE``), so a
delete made by any client — not only this ORM — keeps the data consistent.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    cast,
    func,
    literal,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every table."""


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def _updated() -> Mapped[datetime]:
    return mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class MocInstruction(Base):
    """A MOC (own creation) or an official set; ``author`` for MOCs, ``brand`` for sets."""

    __tablename__ = "moc_instructions"
    __table_args__ = (
        UniqueConstraint("user_id", "title", name="uq_moc_user_title"),
        CheckConstraint("type IN ('moc', 'set')", name="ck_moc_type"),
        CheckConstraint("type <> 'moc' OR author IS NOT NULL", name="ck_moc_author"),
        CheckConstraint("type <> 'set' OR brand IS NOT NULL", name="ck_set_brand"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    type: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100))
    brand: Mapped[str | None] = mapped_column(String(100))
    theme: Mapped[str | None] = mapped_column(String(100))
    set_number: Mapped[str | None] = mapped_column(String(50))
    parts_count: Mapped[int | None] = mapped_column(Integer)
    """The author's estimate, entered by the user."""
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default="{}")
    thumbnail_url: Mapped[str | None] = mapped_column(String(2048))
    subtheme: Mapped[str | None] = mapped_column(String(100))
    release_year: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool | None] = mapped_column(Boolean)
    uploaded_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    total_piece_count: Mapped[int | None] = mapped_column(Integer)
    """The sum of the imported parts lists (the CSV parser's count), never typed in."""
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    files: Mapped[list[MocFile]] = relationship(
        back_populates="moc", cascade="all, delete-orphan", passive_deletes=True, order_by="MocFile.created_at"
    )
    parts_lists: Mapped[list[MocPartsList]] = relationship(
        back_populates="moc", cascade="all, delete-orphan", passive_deletes=True, order_by="MocPartsList.created_at"
    )
    images: Mapped[list[GalleryImage]] = relationship(secondary="moc_gallery_images", viewonly=True)


class MocFile(Base):
    """A file attached to a MOC: instructions, parts list, thumbnail or gallery image."""

    __tablename__ = "moc_files"

    id: Mapped[uuid.UUID] = _uuid_pk()
    moc_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("moc_instructions.id", ondelete="CASCADE"), index=True)
    file_type: Mapped[str] = mapped_column(String(30))
    file_url: Mapped[str] = mapped_column(String(2048))
    original_filename: Mapped[str | None] = mapped_column(String(255))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = _created()

    moc: Mapped[MocInstruction] = relationship(back_populates="files")


class MocPartsList(Base):
    """A parts list of a MOC, with build/purchase tracking."""

    __tablename__ = "moc_parts_lists"

    id: Mapped[uuid.UUID] = _uuid_pk()
    moc_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("moc_instructions.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("moc_files.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    total_parts_count: Mapped[int | None] = mapped_column(Integer)
    built: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    purchased: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    moc: Mapped[MocInstruction] = relationship(back_populates="parts_lists")


class MocPart(Base):
    """One line of a parts list imported from CSV: a LEGO part, its colour and how many."""

    __tablename__ = "moc_parts"

    id: Mapped[uuid.UUID] = _uuid_pk()
    parts_list_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("moc_parts_lists.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    """The CSV line the part came from."""
    part_id: Mapped[str] = mapped_column(String(50))
    part_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    color: Mapped[str] = mapped_column(String(50))


class PartsListImport(Base):
    """The state of one uploaded parts-list CSV: queued, then imported or failed, with rejected lines."""

    __tablename__ = "parts_list_imports"

    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("moc_files.id", ondelete="CASCADE"), primary_key=True)
    moc_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("moc_instructions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    accepted_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rejections: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    """The first rejected lines: ``{"line": n, "reason": "..."}``."""
    error: Mapped[str | None] = mapped_column(Text)
    """Why the whole file was refused (encoding, size, header), when it was."""
    parts_list_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("moc_parts_lists.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = _updated()


class MocGalleryImage(Base):
    """Join row: a gallery image linked to a MOC."""

    __tablename__ = "moc_gallery_images"

    moc_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("moc_instructions.id", ondelete="CASCADE"), primary_key=True
    )
    gallery_image_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gallery_images.id", ondelete="CASCADE"), primary_key=True
    )


class MocGalleryAlbum(Base):
    """Join row: a gallery album linked to a MOC."""

    __tablename__ = "moc_gallery_albums"

    moc_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("moc_instructions.id", ondelete="CASCADE"), primary_key=True
    )
    gallery_album_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gallery_albums.id", ondelete="CASCADE"), primary_key=True
    )


class GalleryAlbum(Base):
    """An album of gallery images; deleting it keeps the images (their album id is cleared)."""

    __tablename__ = "gallery_albums"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    cover_image_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("gallery_images.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = _created()
    last_updated_at: Mapped[datetime] = _updated()


class GalleryImage(Base):
    """Metadata of an uploaded image; ``flagged`` once a moderator or user flags it."""

    __tablename__ = "gallery_images"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default="{}")
    image_url: Mapped[str] = mapped_column(String(2048))
    thumbnail_url: Mapped[str | None] = mapped_column(String(2048))
    album_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("gallery_albums.id", ondelete="SET NULL"), index=True
    )
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = _created()
    last_updated_at: Mapped[datetime] = _updated()


class GalleryFlag(Base):
    """A report that an image is inappropriate."""

    __tablename__ = "gallery_flags"
    __table_args__ = (UniqueConstraint("image_id", "user_id", name="uq_flag_image_user"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    image_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("gallery_images.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()


LEGACY_KEY_PREFIX = "z"
"""Rows a legacy backend inserted (integer position, no key) sort after every keyed row, by position."""
LEGACY_KEY_DIGITS = 10


class WishlistItem(Base):
    """A set or part the user wants, kept in the user's own ``sortOrder``: a string compared byte by byte.

    ``sort_key`` is the order (fractional-indexing keys, so one item can move between two others
    without renumbering); ``position``, the integer column ``sort_order`` the legacy backend reads
    and writes, is kept equal to the rank whenever this API renumbers, so both backends show one order.
    """

    __tablename__ = "wishlist_items"

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[str] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    product_link: Mapped[str | None] = mapped_column(String(2048))
    image_url: Mapped[str | None] = mapped_column(String(2048))
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    position: Mapped[int] = mapped_column("sort_order", Integer, default=0)
    sort_key: Mapped[str | None] = mapped_column(String(64, collation="C"))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    @hybrid_property
    def sort_order(self) -> str:
        """The API's ``sortOrder``: the key, or for a legacy row one built from its position."""
        if self.sort_key is not None:
            return self.sort_key
        return f"{LEGACY_KEY_PREFIX}{self.position:0{LEGACY_KEY_DIGITS}d}"

    @sort_order.inplace.setter
    def _sort_order_setter(self, key: str) -> None:
        self.sort_key = key

    @sort_order.inplace.expression
    @classmethod
    def _sort_order_expression(cls) -> Any:
        legacy = literal(LEGACY_KEY_PREFIX) + func.lpad(cast(cls.position, String), LEGACY_KEY_DIGITS, "0")
        return func.coalesce(cls.sort_key, legacy).collate("C")


class UserProfile(Base):
    """A name the user chose, overriding the token's ``name`` claim (Cognito stays the source of identity)."""

    __tablename__ = "user_profiles"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = _updated()


class UserAvatar(Base):
    """The user's uploaded avatar (``avatars/{userId}/avatar.webp``).

    A table of its own rather than a column of ``user_profiles``: a user may have an avatar
    without ever choosing a name (whose column is NOT NULL), and a new table reaches databases
    created before it (``create_all``) where a new column would need a migration.
    """

    __tablename__ = "user_avatars"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    image_url: Mapped[str] = mapped_column(String(2048))
    updated_at: Mapped[datetime] = _updated()


class AppMeta(Base):
    """Key/value facts about this database (e.g. that demo data was loaded once)."""

    __tablename__ = "brickguard_meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UploadClaim(Base):
    """A presigned upload taken by a confirm call: the row is the claim, so one upload makes one resource.

    Inserted (``ON CONFLICT DO NOTHING``) before the staged file is read: of concurrent confirms
    of one ``uploadId`` exactly one inserts it. Removed again only when processing failed for a
    reason that is not the file's, so confirming again works; kept otherwise, so a staged file
    whose delete S3 refused cannot be confirmed twice.
    """

    __tablename__ = "upload_claims"

    user_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    upload_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, index=True
    )
