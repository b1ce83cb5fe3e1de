"""Files attached to a MOC: up to ten PDF, XML or CSV files per request, each judged by content.

Each file goes to ``mocs/{userId}/{mocId}/{fileId}.{ext}`` (the extension from its
content, never the client's name) and gets a ``moc_files`` row; the rows of one
request are written in one transaction, after every object is stored.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from api import cache_keys, object_keys, responses
from api.adapters.outbox import Outbox
from api.models import MocFile, MocInstruction, PartsListImport
from api.services.changes import commit_change
from api.services.object_writes import store_then_record
from api.services.updates import owned
from api.uploads import file_types
from api.uploads.multipart_form import Form, UploadedFile
from api.uploads.upload_limits import MAX_MOC_FILES_PER_REQUEST
from api.uploads.upload_schemas import PartsListFields, form_model
from guards.object_store import ObjectStore
from runtime.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from api.adapters.database import Database
    from api.adapters.storage import Storage

FILES_FIELD = "files"
MAX_FILENAME = 255
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file on its way in: the row's fields and the object's bytes."""

    file_id: uuid.UUID
    key: str
    data: bytes
    kind: file_types.FileKind
    original_filename: str | None


def files_of(form: Form) -> list[UploadedFile]:
    """The 1 to 10 files of the form, all in the ``files`` field (repeat it for each file)."""
    files = form.files_in(FILES_FIELD)
    if not 1 <= len(files) <= MAX_MOC_FILES_PER_REQUEST:
        raise ValidationError(f"Send 1 to {MAX_MOC_FILES_PER_REQUEST} files per request (got {len(files)})")
    return files


def clean_filename(name: str) -> str | None:
    """The client's file name without its path or control characters, at most 255 characters."""
    base = _UNPRINTABLE.sub("", re.split(r"[\\/]", name)[-1]).strip()
    return base[:MAX_FILENAME] or None


def named(filename: str | None, data: bytes) -> UploadedFile:
    """A file that came through a presigned upload, as if it had been a part of the form."""
    return UploadedFile(FILES_FIELD, filename or "", data)


def check_owned(database: Database, user_id: str, moc_id: uuid.UUID) -> None:
    """A 404 unless the MOC is the caller's: asked before any S3 work."""
    database.read(lambda session: owned(session, MocInstruction, user_id, moc_id, "MOC"))


def upload_moc_files(
    database: Database, changes: Outbox, storage: Storage, user_id: str, moc_id: uuid.UUID,
    uploads: Sequence[UploadedFile],
) -> list[dict[str, Any]]:
    """Store ``uploads`` for the caller's MOC (404 for anyone else's) and record them."""
    check_owned(database, user_id, moc_id)
    stored = []
    for position, upload in enumerate(uploads, start=1):
        try:
            kind = file_types.detect(upload.data)
        except ValidationError as exc:
            raise ValidationError(f"File {position} ({clean_filename(upload.filename) or 'unnamed'}): {exc}") from None
        file_id = uuid.uuid4()
        key = object_keys.moc_file(user_id, moc_id, file_id, kind.extension)
        stored.append(StoredFile(file_id, key, upload.data, kind, clean_filename(upload.filename)))
    store = storage.objects
    return store_then_record(
        store,
        [(item.key, item.data, item.kind.mime_type) for item in stored],
        lambda: database.write(lambda session: record_files(session, changes, store, user_id, moc_id, stored)),
    )


def record_files(
    session: Session, changes: Outbox, store: ObjectStore, user_id: str, moc_id: uuid.UUID,
    stored: Sequence[StoredFile], also: Sequence[Any] = (),
) -> list[dict]:
    """The ``moc_files`` rows (and rows naming them, ``also``) in one transaction with the MOC locked (404 if gone)."""
    owned(session, MocInstruction, user_id, moc_id, "MOC", for_update=True)
    rows = [
        MocFile(
            id=item.file_id,
            moc_id=moc_id,
            file_type=item.kind.file_type,
            file_url=store.url(item.key),
            original_filename=item.original_filename,
            mime_type=item.kind.mime_type,
        )
        for item in stored
    ]
    session.add_all(rows)
    session.flush()
    session.add_all(also)
    commit_change(session, changes, namespaces=[cache_keys.mocs_ns(user_id)])
    return [responses.MocFile.of(row) for row in rows]


def upload_parts_list(
    database: Database, changes: Outbox, storage: Storage, parser_function: str | None, user_id: str,
    moc_id: uuid.UUID, form: Form,
) -> dict[str, Any]:
    """Store the CSV with a ``moc_files`` row and a ``queued`` import, then queue ``parser_function``."""
    from api.services import parts_import
    from api.services.image_uploads import single_file
    from api.uploads.parser_invoke import invoke_parser

    check_owned(database, user_id, moc_id)
    upload = single_file(form)
    if file_types.detect(upload.data) is not file_types.CSV:
        raise ValidationError("A parts list must be a CSV file")
    fields = form_model(PartsListFields, form)
    title = (fields.title or clean_filename(upload.filename) or "Parts list")[:200]
    item = StoredFile(uuid.uuid4(), "", upload.data, file_types.CSV, clean_filename(upload.filename))
    item = dataclasses.replace(item, key=object_keys.moc_file(user_id, moc_id, item.file_id, "csv"))
    store = storage.objects

    def record(session: Session) -> dict[str, Any]:
        queued = PartsListImport(file_id=item.file_id, moc_id=moc_id, status=parts_import.QUEUED, rejections=[])
        record_files(session, changes, store, user_id, moc_id, [item], also=[queued])
        return parts_import.import_json(queued)

    state = store_then_record(store, [(item.key, item.data, item.kind.mime_type)], lambda: database.write(record))
    invoke_parser(
        parser_function,
        parts_import.parser_event(user_id=user_id, moc_id=moc_id, file_id=item.file_id, key=item.key, title=title)
    )
    return state


def parts_list_import(database: Database, user_id: str, moc_id: uuid.UUID, file_id: uuid.UUID) -> dict[str, Any]:
    """The state of one parts-list import of the caller's MOC (404 for anyone else's)."""
    from api.services.parts_import import import_json

    def load(session: Session) -> dict[str, Any]:
        owned(session, MocInstruction, user_id, moc_id, "MOC")
        row = session.get(PartsListImport, file_id)
        if row is None or row.moc_id != moc_id:
            raise NotFound("Parts-list import not found")
        return import_json(row)

    return database.read(load)
