"""/imports: surveyors upload zipped shapefiles (or GeoPackage, GeoJSON) of parcels."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema
from sqlalchemy.orm import Session

from app.api.auth import ActorDep
from app.api.deps import SessionDep, SettingsDep
from app.api.idempotency import IdempotencyKey, once
from app.api.responses import problems
from app.domain.imports import ImportOptions, parse_field_map
from app.domain.patterns import WARD_CODE_ONLY
from app.domain.permissions import Action, Actor, authorize
from app.errors import NotAsDeclared, Unauthenticated
from app.services import import_preview, imports
from app.spatial.crs import SUPPORTED

router = APIRouter(prefix="/imports", tags=["imports"])
# beside /imports, not under it: /imports/{id} would take its name for an id
previews = APIRouter(tags=["imports"])

ImportId = Annotated[int, Path(gt=0)]
DatasetFile = Annotated[UploadFile, File(description="Zipped shapefile, GeoPackage or GeoJSON.")]
CrsField = Annotated[
    int | None,
    Form(description="EPSG code of the coordinates when the .prj is missing or wrong."),
    # a form field is never null: absent, or one of the codes the registry reads
    WithJsonSchema({"type": "integer", "enum": sorted(SUPPORTED)}),
]
FieldMapField = Annotated[
    str | None,
    Form(description='JSON: field -> column, e.g. {"sheet_no": "SOTO", "parcel_no": "SOTHUA"}.'),
    WithJsonSchema({"type": "string", "contentMediaType": "application/json"}),
]
CommuneField = Annotated[
    str | None,
    Form(pattern=WARD_CODE_ONLY, description="Commune at survey time, when no column."),
    WithJsonSchema({"type": "string", "pattern": WARD_CODE_ONLY}),
]


def _stated_crs(crs: int | None) -> int | None:
    if crs is not None and crs not in SUPPORTED:
        raise NotAsDeclared(f"crs {crs} is not one the registry reads; see the documentation.")
    return crs


@previews.post("/import-previews", responses=problems(401, 403, 413, 415, 422))
def preview_upload(
    settings: SettingsDep,
    actor: ActorDep,
    file: DatasetFile,
    crs: CrsField = None,
    field_map: FieldMapField = None,
) -> dict[str, Any]:
    """How a file would be read, before anything is written (the file is not kept): its
    features, CRS, each column's text encoding, a few decoded values and the field each
    column feeds, with what stands in the way (no CRS found, a required field unmapped)."""
    authorize(actor, Action.IMPORT)
    options = ImportOptions(crs=_stated_crs(crs), field_map=parse_field_map(field_map))
    return import_preview.preview(
        file.file,
        spool_dir=settings.upload_dir,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        max_features=settings.max_import_features,
        options=options,
    )


@router.post("", status_code=202, responses=problems(401, 403, 413, 415, 422))
def upload(
    session: SessionDep,
    settings: SettingsDep,
    actor: ActorDep,
    file: DatasetFile,
    crs: CrsField = None,
    field_map: FieldMapField = None,
    commune_code: CommuneField = None,
    mode: Annotated[Literal["all_or_nothing", "accept_valid"], Form()] = "all_or_nothing",
    dry_run: Annotated[bool, Form(description="Check and report; write nothing.")] = False,
    overlap_tolerance_m2: Annotated[float, Form(ge=0, le=1000)] = 1.0,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Accept an upload and queue its import; answers 202 with the import's id.

    Follow `GET /imports/{id}` for its progress and report. With `Idempotency-Key`, the same
    upload sent again (after a lost reply, say) gets the first import's answer, not a second
    import.
    """
    authorize(actor, Action.IMPORT)
    options = ImportOptions(
        crs=_stated_crs(crs),
        field_map=parse_field_map(field_map),
        commune_code=commune_code,
        mode=mode,
        dry_run=dry_run,
        overlap_tolerance_m2=overlap_tolerance_m2,
    )
    # the body's size was counted as it streamed in (BodyLimitMiddleware); the spool checks
    # the file's own size against the same limit
    upload = imports.receive(
        file.file,
        file_name=file.filename or "upload",
        spool_dir=settings.upload_dir,
        max_bytes=settings.max_upload_mb * 1024 * 1024,
        max_features=settings.max_import_features,
    )
    return _queue_once(session, actor, upload, file.filename, options, idempotency_key)


def _queue_once(
    session: Session,
    actor: Actor,
    upload: imports.Spooled,
    file_name: str | None,
    options: ImportOptions,
    idempotency_key: str | None,
) -> Response:
    """Queue the received upload, or answer as the first time for a repeated Idempotency-Key."""
    queued = False

    def act() -> Response:
        nonlocal queued
        job = imports.submit(session=session, upload=upload, uploader=actor, options=options)
        queued = True
        return JSONResponse(
            imports.describe(job), status_code=202, headers={"Location": f"/imports/{job.id}"}
        )

    try:
        return once(
            session=session,
            actor=actor,
            key=idempotency_key,
            method="POST",
            path="/imports",
            request=(upload.sha256, file_name, asdict(options)),
            act=act,
        )
    finally:
        if not queued:
            upload.path.unlink(missing_ok=True)  # a replay or a refusal keeps no second copy


def require_staff(actor: Actor) -> None:
    """Refuse an anonymous caller: imports are read by staff only."""
    if actor.role is None:
        raise Unauthenticated("Imports are read with a staff API key or a signed-in account.")


@router.get("/{import_id}", responses=problems(401, 404))
def read_import(import_id: ImportId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Return an import's status, progress and report (any staff key)."""
    require_staff(actor)
    return imports.describe(imports.get(session=session, import_id=import_id))


@router.get(
    "/{import_id}/rejects.csv",
    responses={200: {"content": {"text/csv": {}}}, **problems(401, 404)},
)
def import_rejects(import_id: ImportId, session: SessionDep, actor: ActorDep) -> Response:
    """Return every rejected or repaired feature, warning and overlap, with its row and reason."""
    require_staff(actor)
    body = imports.rejects_csv(session=session, import_id=import_id)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-rejects.csv"'},
    )


@router.post("/{import_id}/retry", status_code=202, responses=problems(401, 403, 404, 409))
def retry_import(import_id: ImportId, session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """Queue a failed import again (after an interruption, say)."""
    authorize(actor, Action.IMPORT)
    return imports.describe(imports.retry(session=session, actor=actor, import_id=import_id))
