"""Routes of the ``upload`` function: MOC files and parts lists (2048 MB, 120 s, DESIGN.md)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from api.caller import CallerId
from api.envelope import answers
from api.services import moc_files, presigned_uploads
from api.uploads import multipart_form, upload_openapi, upload_schemas
from api.uploads.upload_responses import MocFilesResponse, PartsListImportResponse, UploadOfferResponse

if TYPE_CHECKING:
    from api.adapters.database import Database
    from api.adapters.outbox import Outbox
    from api.adapters.storage import Storage


def build_router(database: Database, outbox: Outbox, storage: Storage, parser_function: str | None) -> Router:
    """The upload routes, serving from these dependency objects; parts lists go to ``parser_function``."""
    router = Router()

    @router.post(
        "/api/mocs/<id>/files",
        tags=["uploads"],
        **answers(MocFilesResponse, status=201),
        openapi_extensions=upload_openapi.MOC_FILES_REQUEST,
    )
    def upload_moc_files(user: CallerId, id: uuid.UUID) -> tuple[dict[str, Any], int]:
        """Attach 1 to 10 PDF, XML or CSV files (form field ``files``, repeated) to the caller's MOC."""
        form = multipart_form.parse(router.current_event.raw_event)
        files = moc_files.files_of(form)
        data = moc_files.upload_moc_files(database, outbox, storage, user, id, files)
        return {"success": True, "data": data}, 201

    @router.post("/api/mocs/<id>/files/upload-url", tags=["uploads"], **answers(UploadOfferResponse))
    def moc_file_upload_url(user: CallerId,
        id: uuid.UUID, body: Annotated[upload_schemas.MocFileUploadUrlRequest, Body()]
    ) -> dict[str, Any]:
        """A presigned S3 POST for one MOC file over the direct-upload ceiling; then ``POST …/files/confirm``."""
        moc_files.check_owned(database, user, id)
        return {"success": True, "data": presigned_uploads.offer(storage, user, body.content_type)}

    @router.post(
        "/api/mocs/<id>/files/confirm", tags=["uploads"], **answers(MocFilesResponse, status=201, also=(413,))
    )
    def confirm_moc_file(user: CallerId,
        id: uuid.UUID, body: Annotated[upload_schemas.MocFileConfirm, Body()]
    ) -> tuple[dict[str, Any], int]:
        """Attach the file sent to the presigned POST, judged by content like a direct upload (size re-checked here)."""

        def attach(file: bytes) -> list[dict[str, Any]]:
            uploaded = [moc_files.named(body.filename, file)]
            return moc_files.upload_moc_files(database, outbox, storage, user, id, uploaded)

        data = presigned_uploads.confirm(database, storage, user, body.upload_id, attach)
        return {"success": True, "data": data}, 201

    @router.post(
        "/api/mocs/<id>/upload-parts-list",
        tags=["uploads"],
        **answers(PartsListImportResponse, status=202),
        openapi_extensions=upload_openapi.PARTS_LIST_REQUEST,
    )
    def upload_parts_list(user: CallerId, id: uuid.UUID) -> tuple[dict[str, Any], int]:
        """Store a parts-list CSV and queue the csv-parser function (202); poll the import for its result."""
        form = multipart_form.parse(router.current_event.raw_event)
        state = moc_files.upload_parts_list(database, outbox, storage, parser_function, user, id, form)
        return {"success": True, "data": state}, 202

    @router.get("/api/mocs/<id>/upload-parts-list/<fileId>", tags=["uploads"], **answers(PartsListImportResponse))
    def parts_list_import(user: CallerId, id: uuid.UUID, fileId: uuid.UUID) -> dict[str, Any]:
        """The import of one uploaded parts list: queued, imported (with rejected lines) or failed (with why)."""
        return {"success": True, "data": moc_files.parts_list_import(database, user, id, fileId)}

    return router
