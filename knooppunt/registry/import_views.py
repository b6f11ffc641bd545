"""Staff pages for importing and exporting the registry (interchange format).

Upload -> preview (what will change, every problem) -> confirm, which runs the import
as a background task; the run page shows its progress and, afterwards, the report.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from knooppunt.accounts.permissions import is_staff
from knooppunt.core.workflow import InvalidTransition
from knooppunt.registry import services
from knooppunt.registry.interchange import FORMATS, export_registry
from knooppunt.registry.interchange.format import FILES, filename
from knooppunt.registry.interchange.readers import Limits
from knooppunt.registry.interchange.runs import (
    QueueDown,
    create_run,
    import_run_discard,
    import_run_retry,
    import_run_start,
    liveness,
    run_progress,
)
from knooppunt.registry.models import ImportRun, Organisation
from knooppunt.registry.workflows import IMPORT_RUN

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 500 * 1024 * 1024
RECENT_RUNS = 20
SHOWN_PROBLEMS = 1000


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors go to the login page; logged-in non-staff get 403."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- the upload form ----------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.xlsx,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data] if data else single(None, initial)
        return [single(data, initial)]


class ImportUploadForm(forms.Form):
    upload = MultipleFileField(
        label=gettext_lazy("Registry files"),
        help_text=gettext_lazy(
            "A .zip of the registry folder, an .xlsx workbook with the sheets organisations, "
            "partnerships and memberships, or the CSV files themselves (organisations.csv, "
            "partnerships.csv, memberships.csv)."
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("Source name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Ids are remembered per source, so importing the same source again updates instead "
            "of duplicating. Default: the name of the .zip or .xlsx file."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        files = cleaned.get("upload") or []
        if not files:
            return cleaned
        names = [Path(f.name or "").name for f in files]
        suffixes = [Path(n).suffix.lower() for n in names]
        for upload, name in zip(files, names, strict=True):
            if upload.size and upload.size > MAX_UPLOAD_BYTES:
                self.add_error("upload", _("%(name)s is larger than 500 MB.") % {"name": name})
        if any(s in (".zip", ".xlsx") for s in suffixes):
            if len(files) != 1:
                self.add_error("upload", _("Upload one .zip or one .xlsx file, or only CSV files."))
                return cleaned
            cleaned["kind"] = suffixes[0].lstrip(".")
            cleaned["input_name"] = names[0]
            if not cleaned.get("source"):
                cleaned["source"] = Path(names[0]).stem[:100]
        elif all(s == ".csv" for s in suffixes):
            wanted = {filename(n) for n in FILES}
            lowered = [n.lower() for n in names]
            unknown = [n for n in names if n.lower() not in wanted]
            if unknown:
                self.add_error(
                    "upload",
                    _("Name the CSV files %(wanted)s; not: %(names)s.")
                    % {"wanted": ", ".join(sorted(wanted)), "names": ", ".join(unknown)},
                )
            if len(set(lowered)) != len(lowered):
                self.add_error("upload", _("Each CSV file may be uploaded once."))
            if not cleaned.get("source"):
                self.add_error("source", _("Give a source name when uploading separate CSV files."))
            cleaned["kind"] = "csv"
            cleaned["input_name"] = ", ".join(sorted(lowered))
        else:
            self.add_error("upload", _("Upload a .zip, an .xlsx workbook or CSV files."))
        if cleaned.get("source"):
            cleaned["source"] = cleaned["source"].strip()
        return cleaned


# --- views ------------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            run = create_run(
                files=data["upload"],
                kind=data["kind"],
                source=data["source"],
                input_name=data["input_name"],
                user=request.user,
            )
            return redirect(run)
        status = 400
    runs = list(ImportRun.objects.select_related("created_by")[:RECENT_RUNS])
    for run in runs:
        run.stale = liveness(run).stale  # type: ignore[attr-defined]
    return render(
        request,
        "registry/import_upload.html",
        {"form": form, "runs": runs, "formats": FORMATS, "limits": Limits.from_settings()},
        status=status,
    )


def _run_context(run: ImportRun, user: Any) -> dict[str, Any]:
    report = run.report or {}
    files = report.get("files", {})
    samples = report.get("samples", {})
    alive = liveness(run)
    return {
        "run": run,
        "report": report,
        "files": [files[name] for name in FILES if name in files],
        "samples": [
            {"file": files.get(name, {}).get("label", filename(name)), **samples[name]}
            for name in FILES
            if name in samples
        ],
        "errors": report.get("errors", [])[:SHOWN_PROBLEMS],
        "warnings": report.get("warnings", [])[:SHOWN_PROBLEMS],
        "shown_problems": SHOWN_PROBLEMS,
        "progress": run_progress(run),
        "stale": alive.stale,
        "last_seen": alive.last_seen,
        "can_confirm": IMPORT_RUN.can(run, "start", user),
        "can_retry": IMPORT_RUN.can(run, "retry", user),
        "can_discard": IMPORT_RUN.can(run, "discard", user),
    }


@staff_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    return render(request, "registry/import_run.html", _run_context(run, request.user))


@staff_required
@require_GET
def run_progress_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress element, polled by HTMX while the import runs."""
    run = get_object_or_404(ImportRun, pk=pk)
    response = render(request, "registry/import_run.html#progress", _run_context(run, request.user))
    if run.status != ImportRun.Status.RUNNING and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"  # finished: reload the page to show the report
    return response


def _refused(request: HttpRequest, run: ImportRun, message: str, status: int) -> HttpResponse:
    run.refresh_from_db()
    messages.error(request, message)
    return render(
        request, "registry/import_run.html", _run_context(run, request.user), status=status
    )


@staff_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        import_run_start(actor=request.user, run=run)
    except InvalidTransition:
        if run.error_count:
            message = _("This import has errors; fix the files and upload them again.")
        else:
            message = _("This import was started already.")
        return _refused(request, run, message, 400)
    except QueueDown:
        return _refused(
            request, run, _("The import could not be started; please try again later."), 503
        )
    if run.status == ImportRun.Status.DONE:  # a task backend that runs at once has finished
        messages.success(request, _("The import is done."))
    elif run.status == ImportRun.Status.FAILED:
        messages.error(request, _("The import failed; nothing was changed."))
    else:
        messages.success(request, _("The import has started."))
    return redirect(run)


@staff_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a stale run again (its worker is gone; its writes were rolled back)."""
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        import_run_retry(actor=request.user, run=run)
    except InvalidTransition:
        return _refused(request, run, _("Only an import that has stopped can be retried."), 400)
    except QueueDown:
        return _refused(
            request, run, _("The import could not be started; please try again later."), 503
        )
    if run.status == ImportRun.Status.DONE:
        messages.success(request, _("The import is done."))
    elif run.status == ImportRun.Status.FAILED:
        messages.error(request, _("The import failed; nothing was changed."))
    else:
        messages.success(request, _("The import has started again."))
    return redirect(run)


@staff_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    """Discard a preview, or a stale run; the uploaded files are removed."""
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        import_run_discard(actor=request.user, run=run)
    except InvalidTransition:
        return _refused(
            request, run, _("Only a preview or an import that has stopped can be discarded."), 400
        )
    messages.success(request, _("The import was discarded; its files were removed."))
    return redirect(run)


@staff_required
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        messages.error(request, _("Choose CSV, Excel or JSON."))
        return redirect("registry-import:upload")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"knooppunt-registry-{stamp}.{'zip' if fmt == 'csv' else fmt}"
    folder = Path(tempfile.mkdtemp(prefix="knooppunt-export-"))
    path = folder / name
    export_registry(path, fmt=fmt)
    handle = path.open("rb")
    # The file is unlinked once open; the response streams from the open handle.
    path.unlink()
    folder.rmdir()
    return FileResponse(handle, as_attachment=True, filename=name)


# --- merging two organisations ---------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"(?:organisaties/)?(\d+)/?$")


class OrganisationField(forms.CharField):
    """An organisation, given by its number or the address of its page."""

    def clean(self, value: Any) -> Organisation:
        text = str(super().clean(value) or "").strip()
        match = _PAGE_NUMBER.search(text.split("?")[0].split("#")[0])
        organisation = (
            Organisation.objects.filter(pk=int(match.group(1))).first() if match else None
        )
        if organisation is None:
            raise forms.ValidationError(
                _("No organisation found: give its number or the address of its page.")
            )
        return organisation


class MergeForm(forms.Form):
    keep = OrganisationField(
        label=gettext_lazy("Organisation to keep"),
        help_text=gettext_lazy("Its number or the address of its page, e.g. /organisaties/12/."),
    )
    remove = OrganisationField(
        label=gettext_lazy("Duplicate to merge into it"),
        help_text=gettext_lazy(
            "Its memberships, people, editors, ids and history move to the organisation to "
            "keep; then it is deleted."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        keep, remove = cleaned.get("keep"), cleaned.get("remove")
        if keep is not None and remove is not None and keep.pk == remove.pk:
            self.add_error("remove", _("Choose two different organisations."))
        return cleaned


def _merge_summary(organisation: Organisation) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "memberships": organisation.memberships.select_related("partnership"),
        "people": organisation.affiliations.count(),
        "source_ids": list(organisation.source_ids.values_list("source", "external_id")),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = MergeForm(request.POST)
    else:
        initial = {k: request.GET[k] for k in ("keep", "remove") if request.GET.get(k)}
        form = MergeForm(initial=initial)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "registry/import_merge.html", context, status=400)
        keep, remove = form.cleaned_data["keep"], form.cleaned_data["remove"]
        if request.POST.get("confirm") == "1":
            name = remove.name
            services.organisation_merge(actor=request.user, keep=keep, remove=remove)
            messages.success(
                request,
                _("“%(removed)s” has been merged into “%(kept)s”.")
                % {"removed": name, "kept": keep.name},
            )
            return redirect(keep)
        context.update(
            keep=keep,
            remove=remove,
            sides=[
                (_("Keep"), _merge_summary(keep)),
                (_("Merge and delete"), _merge_summary(remove)),
            ],
        )
    return render(request, "registry/import_merge.html", context)
