"""Importing customers, meters, readings and payments from the console: the file is checked and
written as a job (the same importers as the CLI), and its page lists the rows set aside with their
reasons, downloadable as the rejects file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.entrypoints.shared import background
from quarterhour.entrypoints.web import exports, render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import ValidationFailed
from quarterhour.jobs import service as jobs
from quarterhour.kit.bounds import DbId

router = APIRouter(prefix="/console", include_in_schema=False)

IMPORTERS = background.IMPORTERS


def _check_upload(kind: str, data: bytes, limit: int) -> None:
    if kind not in IMPORTERS:
        raise ValidationFailed(f"kind: one of {', '.join(IMPORTERS)}", field="kind")
    if not data:
        raise ValidationFailed("file: the file is empty", field="file")
    if len(data) > limit:
        raise ValidationFailed(f"file: at most {limit // (1024 * 1024)} MiB per file", field="file")


def _page(console: Console, error: Refusal | None = None, status_code: int = 200) -> HTMLResponse:
    return render.console_page(
        console,
        "console/imports.html",
        status_code=status_code,
        kinds=list(IMPORTERS),
        jobs=jobs.recent(console.session, "import", by=console.actor, limit=20),
        is_stalled=jobs.is_stalled,
        error=error,
    )


@router.get("/imports", response_class=HTMLResponse)
def imports_page(console: ConsoleDep) -> HTMLResponse:
    return _page(console)


@router.post("/imports", response_model=None)
async def start_import(
    console: ConsoleDep,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form(max_length=16)] = "",
    strict: Annotated[str, Form()] = "",
) -> Response:
    # The perimeter refused a body much larger than this before it was read.
    data = await file.read(console.settings.max_upload_bytes + 1)
    return await run_in_threadpool(
        _start, console, kind, file.filename or "upload.csv", data, strict == "1"
    )


def _start(console: Console, kind: str, name: str, data: bytes, strict: bool) -> Response:
    try:
        _check_upload(kind, data, console.settings.max_upload_bytes)
    except ValidationFailed as exc:
        return _page(console, Words(console.lang).refusal(exc), 422)
    # The web process only enqueues: a worker reads the file from the job and imports it.
    job_id = jobs.enqueue(
        console.session,
        kind="import",
        params={"what": kind, "file": name, "strict": strict},
        steps_total=1,
        by=console.actor,
        upload=(name, data),
    )
    console.session.commit()
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}/rejects.csv")
def rejects(job_id: DbId, console: ConsoleDep) -> Response:
    """The rows an import set aside, with the row, the field and the reason first: the field
    and the problem as the importer said them (the CLI's rejects file has the same columns, a
    program reads them), then the reason in the reader's language, then the row as it was."""
    t = Words(console.lang)
    job = jobs.get(console.session, job_id, by=console.actor)
    result = job.result or {}
    rows = [
        [
            p["row"],
            p["field"],
            p["message"],
            t.problem(str(p["field"]), str(p["message"])),
            *p["values"].values(),
        ]
        for p in result.get("problems", [])
        if isinstance(p, dict)
    ]
    name = str(job.params.get("file", "import")).rsplit(".", 1)[0] + ".rejects.csv"
    header = ["row", "field", "problem", t("reason"), *result.get("columns", [])]
    return exports.export("rejects", header, rows, "csv", filename=name)
