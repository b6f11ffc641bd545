"""Imports through the web: stored uploads, a preview, then the import as a background task.

Every change of a run's status goes through its workflow (`registry.workflows.IMPORT_RUN`):
upload -> preview (or reject) -> start -> finish (or fail); a stale run (its worker
is gone, see `runfiles`) can be retried or discarded; an unconfirmed preview
expires. The uploaded files are removed when the run ends, in whatever state.
Progress is written to `progress.json` in the run's folder: the import runs in one
transaction, and other requests only see its database writes after the commit.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from knooppunt.core.workflow import InvalidTransition
from knooppunt.registry.interchange.importer import import_registry
from knooppunt.registry.interchange.progress import FileProgress, read_progress
from knooppunt.registry.interchange.report import ImportReport
from knooppunt.registry.interchange.runfiles import (
    HEARTBEAT_FILE,
    PROGRESS_FILE,
    Heartbeat,
    import_dir,
    liveness,
    preview_kept,
    remove_orphans,
    run_folder,
)
from knooppunt.registry.models import ImportRun
from knooppunt.registry.workflows import IMPORT_RUN

logger = logging.getLogger(__name__)

__all__ = [
    "PROGRESS_FILE",
    "QueueDown",
    "create_run",
    "execute_run",
    "import_dir",
    "import_run_discard",
    "import_run_retry",
    "import_run_start",
    "import_runs_housekeeping",
    "liveness",
    "run_folder",
    "run_progress",
]

ZIP_NAME = "registry.zip"
XLSX_NAME = "registry.xlsx"


class QueueDown(Exception):
    """The import task could not be queued."""


def run_input(run: ImportRun) -> Path:
    """What to import: the stored .zip or .xlsx, or the folder holding the CSV files."""
    folder = run_folder(run)
    for name in (ZIP_NAME, XLSX_NAME):
        if (folder / name).exists():
            return folder / name
    return folder


def _results(report: ImportReport) -> dict[str, Any]:
    return {"counts": report.totals(), "report": report.to_json()}


def _fail(run: ImportRun, *, failure: str = "", report: ImportReport | None = None) -> None:
    """running (or uploaded) -> failed, unless the run was retried or discarded meanwhile."""
    fields: dict[str, Any] = {"finished_at": timezone.now(), "progress_stage": "failed"}
    if report is not None:
        fields.update(_results(report))
    else:
        fields["report"] = {**(run.report or {}), "failure": failure}
    try:
        IMPORT_RUN.perform(
            run,
            "fail",
            actor=None,
            on_behalf_of=run.created_by,
            fields=fields,
            expect={"attempt": run.attempt},
        )
    except InvalidTransition:
        logger.info("import run %s ended otherwise meanwhile; not marked failed", run.pk)


def create_run(
    *, files: Iterable[UploadedFile], kind: str, source: str, input_name: str, user: Any
) -> ImportRun:
    """Store the upload and preview it (a dry run); the run keeps the report.

    `kind`: "zip", "xlsx" or "csv" (then each file is organisations.csv, ... by name).
    A preview with errors rejects the run (its files are then removed).
    """
    run = IMPORT_RUN.create(
        ImportRun(
            source=source,
            input_name=input_name[:300],
            created_by=user if getattr(user, "is_authenticated", False) else None,
        ),
        "upload",
        actor=user,
        changes={"source": [None, source], "input": [None, input_name[:300]]},
    )
    run.upload_dir = f"{run.pk}-{secrets.token_hex(8)}"
    ImportRun.objects.filter(pk=run.pk).update(upload_dir=run.upload_dir)
    folder = run_folder(run)
    folder.mkdir(parents=True, exist_ok=False)
    for upload in files:
        if kind == "zip":
            target = folder / ZIP_NAME
        elif kind == "xlsx":
            target = folder / XLSX_NAME
        else:
            target = folder / Path(upload.name or "").name.lower()
        with target.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
    try:
        report = import_registry(run_input(run), source=source, dry_run=True)
    except Exception:
        logger.exception("preview of import run %s failed", run.pk)
        _fail(
            run,
            failure=_(
                "The preview stopped because of an unexpected error; nothing was changed. "
                "The error was logged."
            ),
        )
        return run
    step = "reject" if report.errors else "preview"
    return IMPORT_RUN.perform(run, step, actor=None, fields=_results(report))


def _enqueue(run: ImportRun) -> None:
    from knooppunt.registry.tasks import run_import

    try:
        run_import.enqueue(run.pk, run.attempt)
    except Exception as error:
        logger.exception("could not queue import run %s", run.pk)
        raise QueueDown from error


def _new_attempt(run: ImportRun) -> dict[str, Any]:
    return {
        "attempt": run.attempt + 1,
        "progress_stage": "queued",
        "progress_done": 0,
        "progress_total": 0,
    }


def _clear_worker_files(run: ImportRun) -> None:
    for name in (PROGRESS_FILE, HEARTBEAT_FILE):
        (run_folder(run) / name).unlink(missing_ok=True)


def import_run_start(*, actor: Any, run: ImportRun) -> ImportRun:
    """previewed -> running, and queue the import (the immediate backend runs it now).

    Raises InvalidTransition (started already, or the preview had errors) or QueueDown
    (then the run is back to its preview).
    """
    IMPORT_RUN.perform(run, "start", actor=actor, fields=_new_attempt)
    try:
        _enqueue(run)
    except QueueDown:
        IMPORT_RUN.perform(run, "revert", actor=None, on_behalf_of=actor)
        raise
    run.refresh_from_db()
    return run


def import_run_retry(*, actor: Any, run: ImportRun) -> ImportRun:
    """A stale running run is queued again as a new attempt (its files are still there)."""
    IMPORT_RUN.perform(
        run,
        "retry",
        actor=actor,
        fields=_new_attempt,
        changes={"attempt": [run.attempt, run.attempt + 1]},
    )
    _clear_worker_files(run)
    _enqueue(run)  # QueueDown: the run stays stale; staff can retry again later
    run.refresh_from_db()
    return run


def import_run_discard(*, actor: Any, run: ImportRun) -> ImportRun:
    """A preview, or a stale running run, is discarded; its files are removed."""
    return IMPORT_RUN.perform(run, "discard", actor=actor, fields={"finished_at": timezone.now()})


def execute_run(run_id: int, attempt: int | None = None) -> dict[str, Any]:
    """The background task's work: import a run's files for real.

    Only the attempt the task was queued for is imported (`attempt`; None: the current
    one), so a late task of a run that was retried meanwhile does nothing.
    """
    run = ImportRun.objects.select_related("created_by").filter(pk=run_id).first()
    if run is None:
        return {"run": run_id, "status": "missing"}
    if run.status != ImportRun.Status.RUNNING or attempt not in (None, run.attempt):
        return {"run": run_id, "status": run.status, "skipped": True}
    folder = run_folder(run)
    if not run.upload_dir or not folder.is_dir():
        _fail(run, failure=_("The uploaded files are gone; upload them again."))
        run.refresh_from_db()
        return {"run": run_id, "status": run.status}
    try:
        with Heartbeat(folder / HEARTBEAT_FILE, attempt=run.attempt):
            report = import_registry(
                run_input(run),
                source=run.source,
                actor=run.created_by,
                run=run,
                progress=FileProgress(folder / PROGRESS_FILE),
            )
    except Exception:
        logger.exception("import run %s failed", run_id)
        _fail(
            run,
            failure=_(
                "The import stopped because of an unexpected error; nothing was changed. "
                "The error was logged."
            ),
        )
    else:
        if not report.applied:
            # The registry changed since the preview, and the comparison found errors.
            _fail(run, report=report)
    run.refresh_from_db()
    return {"run": run_id, "status": run.status, "counts": run.counts}


def run_progress(run: ImportRun) -> dict[str, Any]:
    """{stage, done, total} for the progress bar of a run."""
    if run.status == ImportRun.Status.RUNNING:
        live = read_progress(run_folder(run) / PROGRESS_FILE)
        if live:
            return live
    return {"stage": run.progress_stage, "done": run.progress_done, "total": run.progress_total}


def import_runs_housekeeping(*, now: datetime | None = None) -> dict[str, int]:
    """Expire unconfirmed previews, count stale runs, remove orphaned upload folders."""
    now = now or timezone.now()
    expired = 0
    old = ImportRun.objects.filter(
        status__in=[ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED],
        updated_at__lte=now - preview_kept(),
    )
    for run in old:
        try:
            IMPORT_RUN.perform(run, "expire", actor=None, fields={"finished_at": now})
        except InvalidTransition:
            continue
        expired += 1
    stale = sum(
        1
        for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING)
        if liveness(run, now=now).stale
    )
    return {"expired": expired, "stale": stale, "orphans": remove_orphans(now=now)}
