"""Cascades and constraints hold in PostgreSQL itself, whoever deletes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from api import models


@pytest.fixture
def session(api_dependencies):
    with api_dependencies.database.session() as session:
        yield session


def _count(session, model, **where):
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return session.scalar(query)


def test_deleting_a_moc_cascades_to_files_parts_lists_and_links(session):
    user = f"user-{uuid.uuid4().hex[:8]}"
    moc = models.MocInstruction(user_id=user, type="moc", title="Cascade", author="a")
    image = models.GalleryImage(user_id=user, title="img", image_url="https://example.com/i.jpg")
    album = models.GalleryAlbum(user_id=user, title="alb")
    session.add_all([moc, image, album])
    session.flush()
    file = models.MocFile(moc_id=moc.id, file_type="instruction", file_url="https://example.com/f.pdf")
    session.add(file)
    session.flush()
    session.add_all([
        models.MocPartsList(moc_id=moc.id, file_id=file.id, title="parts"),
        models.MocGalleryImage(moc_id=moc.id, gallery_image_id=image.id),
        models.MocGalleryAlbum(moc_id=moc.id, gallery_album_id=album.id),
    ])
    session.commit()

    session.delete(moc)
    session.commit()
    assert _count(session, models.MocFile, moc_id=moc.id) == 0
    assert _count(session, models.MocPartsList, moc_id=moc.id) == 0
    assert _count(session, models.MocGalleryImage, moc_id=moc.id) == 0
    assert _count(session, models.MocGalleryAlbum, moc_id=moc.id) == 0
    assert _count(session, models.GalleryImage, id=image.id) == 1
    assert _count(session, models.GalleryAlbum, id=album.id) == 1


def test_database_enforces_type_rules_and_unique_titles(session):
    user = f"user-{uuid.uuid4().hex[:8]}"
    session.add(models.MocInstruction(user_id=user, type="moc", title="No author"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(models.MocInstruction(user_id=user, type="set", title="T", brand="LEGO"))
    session.commit()
    session.add(models.MocInstruction(user_id=user, type="set", title="T", brand="LEGO"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
