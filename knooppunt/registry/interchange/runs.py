"""Imports through the web: stored uploads, a preview, then the import as a background task.

The uploaded files live in `<KNOOPPUNT_IMPORT_DIR>/<run id>-<token>/` (default
`DATA_DIR/imports`, outside MEDIA_ROOT so that no web server serves them) until the
import is done. Progress is written to `progress.json` there: the import runs in one
transaction, and other requests only see its database writes after the commit.
"""

from __future__ import annotations

import logging
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knooppunt.registry.interchange.importer import import_registry
from knooppunt.registry.interchange.progress import FileProgress, read_progress
from knooppunt.registry.interchange.report import ImportReport
from knooppunt.registry.models import ImportRun

logger = logging.getLogger(__name__)

PROGRESS_FILE = "progress.json"
ZIP_NAME = "registry.zip"
XLSX_NAME = "registry.xlsx"


def import_dir() -> Path:
    return Path(getattr(settings, "KNOOPPUNT_IMPORT_DIR", Path(settings.DATA_DIR) / "imports"))


def run_folder(run: ImportRun) -> Path:
    return import_dir() / run.upload_dir


def run_input(run: ImportRun) -> Path:
    """What to import: the stored .zip or .xlsx, or the folder holding the CSV files."""
    folder = run_folder(run)
    for name in (ZIP_NAME, XLSX_NAME):
        if (folder / name).exists():
            return folder / name
    return folder


def create_run(
    *, files: Iterable[UploadedFile], kind: str, source: str, input_name: str, user: Any
) -> ImportRun:
    """Store the upload and preview it (a dry run); the run keeps the report.

    `kind`: "zip", "xlsx" or "csv" (then each file is organisations.csv, ... by name).
    """
    run = ImportRun.objects.create(
        source=source,
        input_name=input_name[:300],
        created_by=user if getattr(user, "is_authenticated", False) else None,
        status=ImportRun.Status.PREVIEWED,
    )
    run.upload_dir = f"{run.pk}-{secrets.token_hex(8)}"
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
    report = import_registry(run_input(run), source=source, dry_run=True)
    _store(run, report)
    run.save()
    return run


def _store(run: ImportRun, report: ImportReport) -> None:
    run.counts = report.totals()
    run.report = report.to_json()


def start_run(run: ImportRun) -> bool:
    """previewed -> running, once: False when the run was started already or has errors."""
    if run.error_count:
        return False
    updated = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.PREVIEWED).update(
        status=ImportRun.Status.RUNNING,
        progress_stage="queued",
        progress_done=0,
        progress_total=0,
        updated_at=timezone.now(),
    )
    return bool(updated)


def execute_run(run_id: int) -> dict[str, Any]:
    """The background task's work: import a run's files for real."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None or run.status != ImportRun.Status.RUNNING:
        return {"run": run_id, "status": run.status if run else "missing"}
    folder = run_folder(run)
    progress = FileProgress(folder / PROGRESS_FILE) if folder.is_dir() else None
    try:
        report = import_registry(
            run_input(run),
            source=run.source,
            actor=run.created_by,
            run=run,
            progress=progress,
        )
    except Exception:
        logger.exception("import run %s failed", run_id)
        with transaction.atomic():
            ImportRun.objects.filter(pk=run_id).update(
                status=ImportRun.Status.FAILED,
                finished_at=timezone.now(),
                progress_stage="failed",
                report={
                    **run.report,
                    "failure": _(
                        "The import stopped because of an unexpected error; nothing "
                        "was changed. The error was logged."
                    ),
                },
            )
        return {"run": run_id, "status": ImportRun.Status.FAILED}
    if not report.applied:
        # The registry changed since the preview, and the comparison found errors.
        run.status = ImportRun.Status.FAILED
        run.finished_at = timezone.now()
        run.progress_stage = "failed"
        _store(run, report)
        run.save()
    else:
        shutil.rmtree(folder, ignore_errors=True)
    run.refresh_from_db()
    return {"run": run_id, "status": run.status, "counts": run.counts}


def run_progress(run: ImportRun) -> dict[str, Any]:
    """{stage, done, total} for the progress bar of a run."""
    if run.status == ImportRun.Status.RUNNING:
        live = read_progress(run_folder(run) / PROGRESS_FILE)
        if live:
            return live
    return {"stage": run.progress_stage, "done": run.progress_done, "total": run.progress_total}


def discard_files(run: ImportRun) -> None:
    if run.upload_dir:
        shutil.rmtree(run_folder(run), ignore_errors=True)
