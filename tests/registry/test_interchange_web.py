"""The staff web flow: upload -> preview -> confirm (a background task) -> done."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.interchange.runs import PROGRESS_FILE, run_folder
from knooppunt.registry.models import ImportRun, Membership, Organisation, Partnership

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "sample"
UPLOAD = reverse("registry-import:upload")


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock(), transaction.atomic():
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def reference(_reference_once: Any, db: Any) -> None:
    """Overrides tests/conftest.py's `reference`: loaded once per module."""


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    settings.KNOOPPUNT_IMPORT_DIR = tmp_path / "imports"
    return tmp_path / "imports"


def sample_zip(name: str = "brabant.zip", folder: Path = SAMPLE) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"brabant/{file.name}")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


def sample_csvs() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(file.name, file.read_bytes(), content_type="text/csv")
        for file in sorted(SAMPLE.iterdir())
    ]


def test_upload_preview_confirm_done(
    client: Any, staff: Any, reference: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(staff)
    assert client.get(UPLOAD).status_code == 200
    response = client.post(UPLOAD, {"upload": [sample_zip()]})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    assert run.status == ImportRun.Status.PREVIEWED
    assert run.source == "brabant"
    assert run.created_by == staff
    assert run.counts["new"] == 11
    assert Organisation.objects.count() == 0  # a preview changes nothing

    page = client.get(run.get_absolute_url())  # the preview survives a reload
    assert page.status_code == 200
    html = page.content.decode()
    assert "Confirm and import" in html
    assert "organisations.csv" in html and "Café Zoë" in html
    assert "Robotisering in de polder" in html  # themes outside the vocabulary are listed

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry-import:confirm", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.report["applied"] is True
    assert (Organisation.objects.count(), Partnership.objects.count()) == (4, 2)
    assert Membership.objects.count() == 5
    assert not run_folder(run).exists()  # the upload is removed once imported

    html = client.get(run.get_absolute_url()).content.decode()
    assert "The import is done" in html
    assert 'hx-trigger="every 1s"' not in html
    fragment = client.get(
        reverse("registry-import:progress", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert fragment["HX-Refresh"] == "true"

    # Confirming again does nothing.
    again = client.post(reverse("registry-import:confirm", args=[run.pk]))
    assert again.status_code == 400
    assert Organisation.objects.count() == 4


def test_separate_csv_files_need_a_source_and_then_import(
    client: Any, staff: Any, reference: None
) -> None:
    client.force_login(staff)
    response = client.post(UPLOAD, {"upload": sample_csvs()})
    assert response.status_code == 400
    assert "Give a source name" in response.content.decode()
    response = client.post(UPLOAD, {"upload": sample_csvs(), "source": "brabant-csv"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.source == "brabant-csv"
    assert run.error_count == 0
    client.post(reverse("registry-import:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Organisation.objects.filter(source_ids__source="brabant-csv").count() == 4


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "field-invalid"),  # Django's own "required" message is shown in Dutch
        ([SimpleUploadedFile("notes.txt", b"hallo")], "Upload a .zip, an .xlsx"),
        ([SimpleUploadedFile("orgs.csv", b"id,name,kind\n")], "Name the CSV files"),
        (
            [SimpleUploadedFile("a.zip", b"x"), SimpleUploadedFile("b.xlsx", b"x")],
            "Upload one .zip or one .xlsx file",
        ),
    ],
)
def test_bad_uploads_rerender_the_form_with_400(
    client: Any, staff: Any, reference: None, files: list[Any], message: str
) -> None:
    client.force_login(staff)
    response = client.post(UPLOAD, {"upload": files, "source": "x"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_with_errors_cannot_be_confirmed(
    client: Any, staff: Any, reference: None, tmp_path: Path
) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for file in SAMPLE.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    orgs = (folder / "organisations.csv").read_text(encoding="utf-8")
    (folder / "organisations.csv").write_text(orgs.replace("87654321", "8765"), encoding="utf-8")
    # Not a zip at all, too: reported on the preview, not a server error.
    client.force_login(staff)
    assert client.post(UPLOAD, {"upload": [sample_zip(folder=folder)]}).status_code == 302
    run = ImportRun.objects.get()
    html = client.get(run.get_absolute_url()).content.decode()
    assert "cannot be imported" in html
    assert "kvk" in html and "A KvK number has 8 digits" in html  # registry.rules
    assert "Confirm and import" not in html
    response = client.post(reverse("registry-import:confirm", args=[run.pk]))
    assert response.status_code == 400
    assert Organisation.objects.count() == 0
    broken = SimpleUploadedFile("kapot.zip", b"this is not a zip")
    assert client.post(UPLOAD, {"upload": [broken]}).status_code == 302
    run = ImportRun.objects.latest("id")
    assert "not a valid .zip" in client.get(run.get_absolute_url()).content.decode()


def test_running_import_shows_progress_that_survives_a_reload(
    client: Any, staff: Any, reference: None
) -> None:
    client.force_login(staff)
    client.post(UPLOAD, {"upload": [sample_zip()]})
    run = ImportRun.objects.get()
    run.status = ImportRun.Status.RUNNING  # as if a worker were busy with it
    run.save()
    (run_folder(run) / PROGRESS_FILE).write_text(
        json.dumps({"stage": "writing organisations", "done": 120, "total": 250})
    )
    html = client.get(run.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'max="250" value="120"' in html
    fragment = client.get(
        reverse("registry-import:progress", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert "HX-Refresh" not in fragment
    assert "writing organisations: 120 / 250" in fragment.content.decode()


def test_export_download(client: Any, staff: Any, registry: dict[str, Any]) -> None:
    client.force_login(staff)
    response = client.get(reverse("registry-import:export"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "memberships.csv",
        "organisations.csv",
        "partnerships.csv",
    ]
    for fmt in ("xlsx", "json"):
        assert client.get(reverse("registry-import:export"), {"format": fmt}).status_code == 200
    assert client.get(reverse("registry-import:export"), {"format": "pdf"}).status_code == 302


def test_only_staff(client: Any, viewer: Any, staff: Any, reference: None) -> None:
    run = ImportRun.objects.create(source="x", created_by=staff, status=ImportRun.Status.PREVIEWED)
    urls = [
        ("get", UPLOAD),
        ("post", UPLOAD),
        ("get", run.get_absolute_url()),
        ("get", reverse("registry-import:progress", args=[run.pk])),
        ("post", reverse("registry-import:confirm", args=[run.pk])),
        ("post", reverse("registry-import:retry", args=[run.pk])),
        ("post", reverse("registry-import:discard", args=[run.pk])),
        ("get", reverse("registry-import:export")),
    ]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    client.force_login(viewer)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED


# --- merging two organisations by hand ------------------------------------------------------------


@pytest.fixture
def duplicate(registry: dict[str, Any], editor: Any) -> Organisation:
    """A second "De Vonk", with its own partnership, person, id and history."""
    duplicate = services.organisation_create(
        actor=None,
        kind="company",
        name="Metaalbedrijf de Vonk (oud)",
        city="Oss",
        website="https://vonk.example.nl",
        source="kvk-lijst",
        external_id="v-1",
        other_themes="Lasrobots",
    )
    services.organisation_update(actor=None, organisation=duplicate, description="Oude tekst")
    services.membership_set(
        actor=None, partnership=registry["hub"], organisation=duplicate, role="lead"
    )
    services.membership_set(
        actor=None,
        partnership=registry["other_ps"],
        organisation=duplicate,
        role="partner",
        since_year=2019,
    )
    services.person_create(actor=None, name="Vera Vonk", organisation=duplicate, function="CEO")
    from knooppunt.accounts.services import editorship_grant

    editorship_grant(actor=None, user=editor, organisation=duplicate)  # editor of both
    return duplicate


def test_merge_two_organisations(
    client: Any, staff: Any, registry: dict[str, Any], duplicate: Organisation
) -> None:
    from knooppunt.core.audit import history_for

    company = registry["company"]
    client.force_login(staff)
    url = reverse("registry-import:merge")
    assert client.get(url, {"remove": duplicate.pk}).status_code == 200
    preview = client.post(url, {"keep": company.get_absolute_url(), "remove": str(duplicate.pk)})
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Metaalbedrijf de Vonk (oud)" in html and "kvk-lijst: v-1" in html
    assert Organisation.objects.filter(pk=duplicate.pk).exists()  # nothing changed yet

    response = client.post(url, {"keep": company.pk, "remove": duplicate.pk, "confirm": "1"})
    assert response.status_code == 302
    assert response["Location"] == company.get_absolute_url()
    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    company.refresh_from_db()
    roles = dict(company.memberships.values_list("partnership__name", "role"))
    assert roles == {"Technohub Maasland": "lead", "Learning Community Data": "partner"}
    assert company.website == "https://vonk.example.nl"  # an empty field is filled
    assert company.description == "Fictief bedrijf voor tests."  # a filled one is kept
    assert company.other_themes == "Lasrobots"
    assert company.source_ids.filter(source="kvk-lijst", external_id="v-1").exists()
    assert company.affiliations.filter(person__name="Vera Vonk").exists()
    assert company.editorships.count() == 1
    actions = [entry.action for entry in history_for(company)]
    assert actions[0] == "registry.organisation.merged"
    assert "registry.organisation.updated" in actions  # the duplicate's history came along
    assert " lasrobots " in company.search_document
    assert (
        " vonk "
        in registry["other_ps"].__class__.objects.get(pk=registry["other_ps"].pk).search_document
    )


def test_merge_form_errors_and_permissions(
    client: Any, staff: Any, viewer: Any, registry: dict[str, Any]
) -> None:
    url = reverse("registry-import:merge")
    company = registry["company"]
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    data = {"keep": company.pk, "remove": registry["other"].pk, "confirm": "1"}
    assert client.post(url, data).status_code == 403
    client.force_login(staff)
    assert client.post(url, {"keep": company.pk, "remove": company.pk}).status_code == 400
    assert client.post(url, {"keep": "999999", "remove": "abc"}).status_code == 400
    assert Organisation.objects.filter(pk=registry["other"].pk).exists()


def test_xlsx_upload_previews_merges(
    client: Any, staff: Any, registry: dict[str, Any], tmp_path: Path
) -> None:
    from knooppunt.registry.interchange import export_registry

    export_registry(tmp_path / "werkboek.xlsx", fmt="xlsx")
    client.force_login(staff)
    upload = SimpleUploadedFile("werkboek.xlsx", (tmp_path / "werkboek.xlsx").read_bytes())
    assert client.post(UPLOAD, {"upload": [upload]}).status_code == 302
    run = ImportRun.objects.get()
    assert run.source == "werkboek"
    assert run.error_count == 0
    # The same organisations under a new source: each is matched, none is added twice.
    assert run.report["files"]["organisations"]["merged"] == 4
    html = client.get(run.get_absolute_url()).content.decode()
    assert "same BRIN code 00GT" in html and "same KvK number 12345678" in html


@pytest.fixture(autouse=True)
def _english_messages(settings: Any) -> Any:
    """These tests read the reports' English source texts; the product defaults to Dutch."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
