"""The import run workflow (see docs/workflows.md, generated from this definition)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from knooppunt.accounts.permissions import can_manage_imports
from knooppunt.core.workflow import State, Step, Transition, Workflow
from knooppunt.registry.interchange.runfiles import remove_files, run_is_stale
from knooppunt.registry.models import ImportRun

S = ImportRun.Status


def preview_is_clean(run: Any) -> bool:
    """The preview found no errors."""
    return not run.error_count


def may_be_discarded(run: Any) -> bool:
    """It is a preview, or it is running but stale (see `run_is_stale`)."""
    return run.status != S.RUNNING or run_is_stale(run)


IMPORT_RUN: Workflow[ImportRun] = Workflow(
    "import_run",
    model=ImportRun,
    title="Import runs (registry import through the web)",
    description=(
        "Staff upload a registry in the interchange format; the files are stored and "
        "previewed (a dry run); after confirmation a background task imports them in one "
        "transaction. Services: `registry.interchange.runs` (`create_run`, "
        "`import_run_start`, `import_run_retry`, `import_run_discard`, `execute_run`, "
        "`import_runs_housekeeping`: `knooppunt clean-imports`). The uploaded files are "
        "deleted when a run reaches a final state, whichever it is."
    ),
    states=[
        State(S.UPLOADED, S.UPLOADED.label, description="the files are stored; the preview runs"),
        State(
            S.PREVIEWED,
            S.PREVIEWED.label,
            description="the preview shows what would change; waiting for staff to confirm "
            "(kept 48 hours, `KNOOPPUNT_IMPORT_PREVIEW_HOURS`)",
        ),
        State(
            S.REJECTED,
            S.REJECTED.label,
            terminal=True,
            description="the preview found errors (each listed); nothing can be imported",
        ),
        State(
            S.RUNNING,
            S.RUNNING.label,
            description="confirmed: queued or importing; the worker writes a heartbeat file "
            "and the progress",
        ),
        State(S.DONE, S.DONE.label, terminal=True, description="imported"),
        State(
            S.FAILED,
            S.FAILED.label,
            terminal=True,
            description="stopped by an error, or the registry changed since the preview; "
            "nothing was changed",
        ),
        State(
            S.DISCARDED,
            S.DISCARDED.label,
            terminal=True,
            description="discarded by staff, or expired unconfirmed; nothing was changed",
        ),
    ],
    transitions=[
        Transition(
            "upload",
            (),
            S.UPLOADED,
            _("Upload"),
            "registry.import.uploaded",
            who=can_manage_imports,
        ),
        Transition(
            "command",
            (),
            S.RUNNING,
            _("Import from the command line"),
            None,
            system=True,
            description="`knooppunt import-registry`: created inside the import's "
            "transaction, so nobody sees it running",
        ),
        Transition("preview", (S.UPLOADED,), S.PREVIEWED, _("Preview"), None, system=True),
        Transition("reject", (S.UPLOADED,), S.REJECTED, _("Reject"), None, system=True),
        Transition(
            "start",
            (S.PREVIEWED,),
            S.RUNNING,
            _("Confirm and import"),
            "registry.import.started",
            who=can_manage_imports,
            when=preview_is_clean,
        ),
        Transition(
            "revert",
            (S.RUNNING,),
            S.PREVIEWED,
            _("Back to the preview"),
            None,
            system=True,
            description="the task could not be queued",
        ),
        Transition(
            "finish", (S.RUNNING,), S.DONE, _("Finish"), "registry.import.done", system=True
        ),
        Transition(
            "fail",
            (S.UPLOADED, S.RUNNING),
            S.FAILED,
            _("Fail"),
            "registry.import.failed",
            system=True,
        ),
        Transition(
            "retry",
            (S.RUNNING,),
            S.RUNNING,
            _("Retry"),
            "registry.import.retried",
            who=can_manage_imports,
            when=run_is_stale,
            description="queued again as a new attempt; a worker of an older attempt "
            "cannot finish any more",
        ),
        Transition(
            "discard",
            (S.PREVIEWED, S.RUNNING),
            S.DISCARDED,
            _("Discard"),
            "registry.import.discarded",
            who=can_manage_imports,
            when=may_be_discarded,
        ),
        Transition(
            "expire",
            (S.UPLOADED, S.PREVIEWED),
            S.DISCARDED,
            _("Expire"),
            "registry.import.expired",
            system=True,
            description="unconfirmed for 48 hours (`knooppunt clean-imports`)",
        ),
    ],
)


@IMPORT_RUN.on_commit(ending=True)
def _remove_uploaded_files(run: ImportRun, step: Step) -> None:
    """Whichever way a run ends, its uploaded files go."""
    remove_files(run)
