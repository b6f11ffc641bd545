"""The permission matrix: every URL of the project x every role x method -> expected outcome.

`MATRIX` below is the single table. `test_matrix_covers_every_url` walks the URL
resolver and fails when a URL name has no row, so a new URL must be added here
(with what each role may do on it) before the suite passes again.

Roles:
- anonymous;
- viewer: logged in, edits nothing;
- editor: edits the company "Metaalbedrijf De Vonk", a *partner* of Technohub Maasland;
- lead_editor: edits the school that *leads* Technohub Maasland;
- staff: the broker, may do everything.

Website rows: the role is logged in with `client.force_login`. JSON API rows
(namespace `api-v1`): the role sends its personal API token as `Authorization:
Bearer ...` (anonymous sends none); the API ignores the browser session.

Outcomes: an HTTP status, LOGIN (302 to the login page), ADMIN_LOGIN (302 to the
admin login page) or REDIRECT (any other redirect: what a successful form POST
answers). Every writing row has a probe of the database state: an outcome listed
as its `success` must have changed it, any other outcome must have left it unchanged.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from knooppunt.accounts.models import Invitation, User
from knooppunt.accounts.services import editorship_grant, invitation_create
from knooppunt.api.models import ApiToken
from knooppunt.api.services import api_token_create
from knooppunt.core.audit import history_for
from knooppunt.matching import services as matching_services
from knooppunt.matching.models import Guide, Introduction, PartnerProfile
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.forms import ContactForm, MembershipForm
from knooppunt.registry.interchange.runs import create_run
from knooppunt.registry.models import (
    Affiliation,
    ImportRun,
    Membership,
    Organisation,
    Partnership,
    PartnershipContact,
    Person,
    Theme,
)

World = dict[str, Any]
ROLES = ("anonymous", "viewer", "editor", "lead_editor", "staff")
PASSWORD = "correct-horse-battery-9"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the world: built once per module ------------------------------------------------------
#
# ~600 parametrised cases: building tests/conftest.py's `registry` for each would take
# minutes. So this module builds the same small registry (same names, roles and people
# as `registry`, `editor`, `lead_editor`, `viewer` and `staff` in tests/conftest.py, plus
# an API token per user) once, inside a transaction that is rolled back when the module
# is done. Every test still runs in its own savepoint (pytest-django's `db`), so what
# one case changes the next never sees. Do not request conftest's `registry` or user
# fixtures in this module: they would collide with this world (same email addresses).


def _build_world() -> World:
    places_load_reference()
    services.themes_load_reference()
    services.sbi_load_reference()
    maak = Theme.objects.get(code="maakindustrie")
    ict = Theme.objects.get(code="ict")
    create_org = services.organisation_create
    school = create_org(
        actor=None,
        kind="school_mbo",
        name="Koning Willem I College",
        city="'s-Hertogenbosch",
        brin="00GT",
        themes=[maak],
    )
    company = create_org(
        actor=None,
        kind="company",
        name="Metaalbedrijf De Vonk",
        city="Oss",
        kvk="12345678",
        themes=[maak],
        description="Fictief bedrijf voor tests.",
    )
    other = create_org(
        actor=None,
        kind="company",
        name="Data & Zo",
        city="Eindhoven",
        themes=[ict],
        description="Een ander fictief bedrijf.",
    )
    gemeente = create_org(actor=None, kind="municipality", name="Gemeente Oss", city="Oss")
    hub = services.partnership_create(
        actor=None,
        kind="technohub",
        name="Technohub Maasland",
        city="Oss",
        themes=[maak],
        start_year=2022,
        description="Een fictieve technohub.",
    )
    services.membership_set(actor=None, partnership=hub, organisation=school, role="lead")
    services.membership_set(actor=None, partnership=hub, organisation=company, role="partner")
    services.membership_set(actor=None, partnership=hub, organisation=gemeente, role="funder")
    other_ps = services.partnership_create(
        actor=None,
        kind="learning_community",
        name="Learning Community Data",
        city="Eindhoven",
        themes=[ict],
    )
    services.membership_set(actor=None, partnership=other_ps, organisation=other, role="lead")
    private = services.person_create(
        actor=None,
        name="Petra Privé",
        organisation=company,
        function="HR-adviseur",
        email="petra@example.nl",
        phone="06-11112222",
        is_public=False,
    )
    public = services.person_create(
        actor=None,
        name="Openbare Olaf",
        organisation=company,
        function="Directeur",
        email="olaf@example.nl",
        phone="06-33334444",
        is_public=True,
    )
    other_person = services.person_create(
        actor=None,
        name="Dirk Data",
        organisation=other,
        function="Eigenaar",
        email="dirk@example.nl",
        is_public=True,
    )
    services.partnership_contact_set(actor=None, partnership=hub, person=public, role="bedrijven")
    create_user = User.objects.create_user
    staff = create_user(
        "staf@example.nl", PASSWORD, full_name="Sam Staf", is_staff=True, is_superuser=True
    )
    viewer = create_user("kijker@example.nl", PASSWORD, full_name="Kim Kijker")
    editor = create_user("redacteur@example.nl", PASSWORD, full_name="Eva Editor")
    editorship_grant(actor=None, user=editor, organisation=company)
    lead_editor = create_user("school@example.nl", PASSWORD, full_name="Lars Lead")
    editorship_grant(actor=None, user=lead_editor, organisation=school)
    return {
        "school": school,
        "company": company,
        "other": other,
        "gemeente": gemeente,
        "hub": hub,
        "other_ps": other_ps,
        "private": private,
        "public": public,
        "other_person": other_person,
        "staff": staff,
        "viewer": viewer,
        "editor": editor,
        "lead_editor": lead_editor,
    }


@dataclass(frozen=True)
class _Built:
    refs: dict[str, tuple[Any, int]]
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def _world_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[_Built]:
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = _build_world()
            tokens = {
                role: api_token_create(actor=built[role], name="matrix")[1]
                for role in ROLES
                if role != "anonymous"
            }
            # A token of the editor's, for the token-revoke page.
            built["editor_token"] = api_token_create(actor=built["editor"], name="revoke me")[0]
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield _Built({key: (type(obj), obj.pk) for key, obj in built.items()}, tokens)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(_world_once: _Built, db: Any) -> World:
    """Fresh instances of the module's objects (earlier tests' changes were rolled back)."""
    w: World = {key: model.objects.get(pk=pk) for key, (model, pk) in _world_once.refs.items()}
    w["anonymous"] = None
    w["tokens"] = _world_once.tokens
    return w


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Path) -> None:
    """Cheap password hashing; English pages, so assertions read the msgids, not translations;
    uploaded import files go to a temporary folder."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.LANGUAGE_CODE = "en"
    settings.KNOOPPUNT_IMPORT_DIR = tmp_path / "imports"


# --- the table --------------------------------------------------------------------------

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"
OK, CREATED, NO_CONTENT = 200, 201, 204
UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 401, 403, 404, 405

#               anonymous  viewer     editor     lead_editor staff
ALL_OK = (OK, OK, OK, OK, OK)
ALL_404 = (NOT_FOUND,) * 5
ALL_REDIRECT = (REDIRECT,) * 5
STAFF_ONLY_GET = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
STAFF_ONLY_POST = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, REDIRECT)
POST_ONLY_GET = (LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
EDITOR_GET = (LOGIN, FORBIDDEN, OK, FORBIDDEN, OK)  # the company's editor and staff
EDITOR_POST = (LOGIN, FORBIDDEN, REDIRECT, FORBIDDEN, REDIRECT)
LEAD_GET = (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK)  # the school's (lead's) editor and staff
LEAD_POST = (LOGIN, FORBIDDEN, FORBIDDEN, REDIRECT, REDIRECT)


API_STAFF_ONLY = (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, FORBIDDEN)  # + staff's success code


@dataclass(frozen=True)
class Write:
    """What a writing request sends, how to see whether it changed anything, and which
    outcomes mean it succeeded (and so must have changed the state)."""

    data: Callable[[World], dict[str, Any]]
    state: Callable[[World, Any], Any]
    success: tuple[Any, ...] = (REDIRECT,)


@dataclass(frozen=True)
class Row:
    url_name: str
    kwargs: Callable[[World], dict[str, Any]]
    expect: dict[str, tuple[Any, ...]]  # method -> outcome per role (ROLES order)
    write: Write | None = None
    api: bool = False
    json_errors: bool = True  # API rows: error answers have the API's JSON shape


def web(
    name: str,
    kwargs: Callable[[World], dict[str, Any]],
    get: tuple[Any, ...],
    post: tuple[Any, ...] | None = None,
    write: Write | None = None,
) -> Row:
    expect = {"GET": get} if post is None else {"GET": get, "POST": post}
    return Row(name, kwargs, expect, write)


def api(
    name: str,
    kwargs: Callable[[World], dict[str, Any]],
    method: str,
    outcomes: tuple[Any, ...],
    write: Write | None = None,
    *,
    json_errors: bool = True,
) -> Row:
    return Row(
        f"api-v1:{name}", kwargs, {method: outcomes}, write, api=True, json_errors=json_errors
    )


def _none(w: World) -> dict[str, Any]:
    return {}


def _pk(key: str, kwarg: str = "pk") -> Callable[[World], dict[str, Any]]:
    return lambda w: {kwarg: w[key].pk}


def _missing(w: World) -> dict[str, Any]:
    return {"pk": 999_999}


# --- form data as a browser would send it ------------------------------------------------------


class _FormParser(HTMLParser):
    """The fields a browser would submit for each <form> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"attrs": a, "fields": []}
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
                return
            self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": []}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            options = self._select["options"]
            chosen = [value for value, selected in options if selected]
            if not chosen and options and not self._select["multiple"]:
                chosen = [options[0][0]]
            self._form["fields"] += [(self._select["name"], value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._textarea["text"])
            self._form["fields"].append((self._textarea["name"], text.removeprefix("\n")))
            self._textarea = None


def page_form(html: str) -> dict[str, list[str]]:
    """The data of the page's main form (the POST form without an action of its own)."""
    parser = _FormParser()
    parser.feed(html)
    forms = [
        f
        for f in parser.forms
        if f["attrs"].get("method", "").lower() == "post" and not f["attrs"].get("action")
    ]
    assert len(forms) == 1, f"expected one main form, found {len(forms)}"
    data: dict[str, list[str]] = {}
    for name, value in forms[0]["fields"]:
        if name != "csrfmiddlewaretoken":
            data.setdefault(name, []).append(value)
    return data


def _edit_form(url_name: str, key: str, **changes: Any) -> Callable[[World], dict[str, Any]]:
    """What a browser posts back from the edit page (read as staff), with `changes` made."""

    def data(w: World) -> dict[str, Any]:
        reader = Client()
        reader.force_login(w["staff"])
        response = reader.get(reverse(url_name, args=[w[key].pk]))
        assert response.status_code == 200
        form: dict[str, Any] = page_form(response.content.decode())
        form.update(changes)
        return form

    return data


# --- state probes -------------------------------------------------------------------------


def _org_description(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Organisation.objects.get(pk=w[key].pk).description


def _org_exists(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Organisation.objects.filter(pk=w[key].pk).exists()


def _people_at(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Affiliation.objects.filter(organisation=w[key]).count()


def _person_phone(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Person.objects.filter(pk=w[key].pk).values_list("phone", flat=True).first()


def _ps_goals(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Partnership.objects.get(pk=w[key].pk).goals


def _ps_exists(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Partnership.objects.filter(pk=w[key].pk).exists()


def _members_of(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: sorted(
        Membership.objects.filter(partnership=w[key]).values_list("organisation__name", "role")
    )


def _contacts_of(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: sorted(
        PartnershipContact.objects.filter(partnership=w[key]).values_list("person__name", flat=True)
    )


def _count(model: Any) -> Callable[[World, Any], Any]:
    return lambda w, c: model.objects.count()


def _viewer_password(w: World, client: Any) -> str:
    return User.objects.get(pk=w["viewer"].pk).password


def _language_cookie(w: World, client: Any) -> str | None:
    cookie = client.cookies.get(django_settings.LANGUAGE_COOKIE_NAME)
    return cookie.value if cookie else None


def _token_revoked(w: World, client: Any) -> bool:
    return ApiToken.objects.get(pk=w["editor_token"].pk).revoked_at is not None


def _nothing(w: World, client: Any) -> None:
    return None


# --- targets that need a little set-up ------------------------------------------------------


def _new_school_person(w: World) -> dict[str, Any]:
    """A (non-public) person at the school, to be added as contact of the hub."""
    person = services.person_create(
        actor=None,
        name="Sanne School",
        organisation=w["school"],
        function="Docent",
        email="sanne@example.nl",
    )
    return _contact_form(person=person.pk, role="onderwijs")


def _member_form(**fields: Any) -> dict[str, Any]:
    """The membership form's data, named as the form names its fields (it has a prefix)."""
    form = MembershipForm()
    return {form.add_prefix(name): value for name, value in fields.items()}


def _contact_form(**fields: Any) -> dict[str, Any]:
    form = ContactForm()
    return {form.add_prefix(name): value for name, value in fields.items()}


def _gemeente_membership(w: World) -> Membership:
    return Membership.objects.get(partnership=w["hub"], organisation=w["gemeente"])


def _gemeente_membership_kwargs(w: World) -> dict[str, Any]:
    return {"pk": w["hub"].pk, "membership_pk": _gemeente_membership(w).pk}


def _membership_edit_form(w: World) -> dict[str, Any]:
    """The membership edit page's form (read as staff), with the role changed."""
    reader = Client()
    reader.force_login(w["staff"])
    response = reader.get(
        reverse("registry:membership-edit", kwargs=_gemeente_membership_kwargs(w))
    )
    assert response.status_code == 200
    form: dict[str, Any] = page_form(response.content.decode())
    form["role"] = "partner"
    return form


def _olaf_contact(w: World) -> dict[str, Any]:
    contact = PartnershipContact.objects.get(partnership=w["hub"], person=w["public"])
    return {"pk": w["hub"].pk, "contact_pk": contact.pk}


def _shared(w: World) -> Person:
    """A public person who is a contact of both the company and the school (made once)."""
    if "shared" not in w:
        w["shared"] = services.person_create(
            actor=None,
            name="Gedeelde Gijs",
            organisation=w["company"],
            email="gijs@example.nl",
            phone="06-55556666",
            is_public=True,
        )
        services.affiliation_set(actor=None, person=w["shared"], organisation=w["school"])
    return w["shared"]  # type: ignore[no-any-return]


def _shared_pk(kwarg: str = "pk") -> Callable[[World], dict[str, Any]]:
    return lambda w: {kwarg: _shared(w).pk}


def _unlink(person: str, organisation: str) -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        pk = _shared(w).pk if person == "shared" else w[person].pk
        return {"pk": pk, "organisation_pk": w[organisation].pk}

    return kwargs


def _person_exists(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: Person.objects.filter(pk=w[key].pk).exists()


def _links_of(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: sorted(
        Affiliation.objects.filter(person=w[key]).values_list("organisation_id", flat=True)
    )


def _locked_out_viewer(w: World) -> dict[str, Any]:
    """The viewer's account locked out from 127.0.0.1, as django-axes records it."""
    AccessAttempt.objects.create(
        username="kijker@example.nl",
        ip_address="127.0.0.1",
        user_agent="",
        http_accept="",
        path_info="/account/inloggen/",
        get_data="",
        post_data="",
        failures_since_start=django_settings.AXES_FAILURE_LIMIT,
    )
    return {}


def _reset_confirm_bogus(w: World) -> dict[str, Any]:
    return {"uidb64": urlsafe_base64_encode(force_bytes(w["viewer"].pk)), "token": "bogus-token"}


def _valid_invitation(w: World) -> dict[str, Any]:
    invitation = invitation_create(
        actor=w["staff"],
        email="nina@example.nl",
        role="editor",
        organisation=w["company"],
        accept_url_base="http://testserver/account/uitnodiging/",
    )
    return {"token": invitation.token}


def _csv_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "organisations.csv",
        "id,name,kind,city\nm-1,Geïmporteerd Bedrijf,company,Oss\n".encode(),
        content_type="text/csv",
    )


def _upload_field() -> str:
    """The name of the upload form's file field (named by the form, not by this table)."""
    from django import forms

    from knooppunt.registry.import_views import ImportUploadForm

    names = [n for n, f in ImportUploadForm.base_fields.items() if isinstance(f, forms.FileField)]
    assert len(names) == 1, names
    return names[0]


def _previewed_run(w: World) -> dict[str, Any]:
    """An import run as the upload page leaves it: stored and previewed, without errors."""
    run = create_run(
        files=[_csv_upload()],
        kind="csv",
        source="matrix",
        input_name="organisations.csv",
        user=w["staff"],
    )
    assert run.status == ImportRun.Status.PREVIEWED and not run.error_count, run.report
    return {"pk": run.pk}


def _stale_run(w: World) -> dict[str, Any]:
    """A confirmed run whose worker was killed long ago: running, no heartbeat, old."""
    from datetime import timedelta

    from django.utils import timezone

    pk = _previewed_run(w)["pk"]
    ImportRun.objects.filter(pk=pk).update(
        status=ImportRun.Status.RUNNING,
        attempt=1,
        updated_at=timezone.now() - timedelta(hours=1),
    )
    return {"pk": pk}


def _run_status(w: World, client: Any) -> list[str]:
    return sorted(ImportRun.objects.values_list("status", flat=True))


def _open_introduction(w: World) -> dict[str, Any]:
    """An open request from the company (editor's) to the school (lead editor's)."""
    introduction = matching_services.introduction_request(
        actor=w["editor"], requester=w["company"], target=w["school"], message="Kennismaken?"
    )
    return {"pk": introduction.pk}


def _introduction_status(w: World, client: Any) -> list[str]:
    return sorted(Introduction.objects.values_list("status", flat=True))


def _company_guide(w: World) -> dict[str, Any]:
    matching_services.guide_save(
        actor=w["staff"], kind="company", title_nl="Bedrijven benaderen", body_nl="Bel eerst."
    )
    return {"kind": "company"}


def _guide_titles(w: World, client: Any) -> list[str]:
    return sorted(Guide.objects.values_list("title_nl", flat=True))


def _profile_of(key: str) -> Callable[[World, Any], Any]:
    return lambda w, c: list(
        PartnerProfile.objects.filter(organisation=w[key]).values_list("offers", "seeks_text")
    )


def _profile_form(w: World) -> dict[str, Any]:
    return {
        "open_to_partnerships": "true",
        "offers": ["internships", "bbl_places"],
        "seeks": ["assignments"],
        "seeks_text": "Stages in de metaal",
    }


NEW_PASSWORD = "een-Lang-wachtwoord-42"
API_WRITE = (OK, CREATED, NO_CONTENT)


MATRIX: dict[str, Row] = {
    # --- public pages ---
    "directory": web("registry:directory", _none, ALL_OK),
    "region": web("registry:region", _none, ALL_OK),
    "unplaced": web("registry:unplaced", _none, STAFF_ONLY_GET),
    "organisation-detail[company]": web("registry:organisation-detail", _pk("company"), ALL_OK),
    "organisation-detail[missing]": web("registry:organisation-detail", _missing, ALL_404),
    "person-detail[public]": web("registry:person-detail", _pk("public"), ALL_OK),
    # Petra is not public: only staff and editors of her organisation see her at all.
    "person-detail[private]": web(
        "registry:person-detail", _pk("private"), (NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK)
    ),
    "partnership-detail[hub]": web("registry:partnership-detail", _pk("hub"), ALL_OK),
    "partnership-detail[missing]": web("registry:partnership-detail", _missing, ALL_404),
    "about": web("about", _none, ALL_OK),
    "health": web("health", _none, ALL_OK),
    # --- organisations ---
    "organisation-create": web(
        "registry:organisation-create",
        _none,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {
                "name": "Nieuw Bedrijf BV",
                "kind": "company",
                "city": "Oss",
                "municipality": "",
                "kvk": "87654321",
            },
            _count(Organisation),
        ),
    ),
    "organisation-edit[company]": web(
        "registry:organisation-edit",
        _pk("company"),
        EDITOR_GET,
        EDITOR_POST,
        Write(
            _edit_form("registry:organisation-edit", "company", description="Bewerkt."),
            _org_description("company"),
        ),
    ),
    "organisation-edit[school]": web(
        "registry:organisation-edit",
        _pk("school"),
        LEAD_GET,
        LEAD_POST,
        Write(
            _edit_form("registry:organisation-edit", "school", description="Bewerkt."),
            _org_description("school"),
        ),
    ),
    "organisation-edit[other]": web(
        "registry:organisation-edit",
        _pk("other"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            _edit_form("registry:organisation-edit", "other", description="Bewerkt."),
            _org_description("other"),
        ),
    ),
    "organisation-edit[missing]": web(
        "registry:organisation-edit", _missing, (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND)
    ),
    "organisation-delete[company]": web(
        "registry:organisation-delete",
        _pk("company"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(lambda w: {}, _org_exists("company")),
    ),
    "organisation-delete[school]": web(
        "registry:organisation-delete",
        _pk("school"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(lambda w: {}, _org_exists("school")),
    ),
    # --- people ---
    "person-create[company]": web(
        "registry:person-create",
        _pk("company"),
        EDITOR_GET,
        EDITOR_POST,
        Write(
            lambda w: {
                "name": "Nieuwe Collega",
                "function": "Planner",
                "email": "collega@example.nl",
                "phone": "",
            },
            _people_at("company"),
        ),
    ),
    "person-create[school]": web(
        "registry:person-create",
        _pk("school"),
        LEAD_GET,
        LEAD_POST,
        Write(
            lambda w: {"name": "Nieuwe Docent", "function": "Docent", "email": "", "phone": ""},
            _people_at("school"),
        ),
    ),
    "person-edit[public]": web(
        "registry:person-edit",
        _pk("public"),
        EDITOR_GET,
        EDITOR_POST,
        Write(
            _edit_form("registry:person-edit", "public", phone="06-99990000"),
            _person_phone("public"),
        ),
    ),
    "person-edit[private]": web(
        "registry:person-edit",
        _pk("private"),
        (LOGIN, NOT_FOUND, OK, NOT_FOUND, OK),
        (LOGIN, NOT_FOUND, REDIRECT, NOT_FOUND, REDIRECT),
        Write(
            _edit_form("registry:person-edit", "private", phone="06-99990000"),
            _person_phone("private"),
        ),
    ),
    "person-edit[other-company]": web(
        "registry:person-edit",
        _pk("other_person"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            _edit_form("registry:person-edit", "other_person", phone="06-99990000"),
            _person_phone("other_person"),
        ),
    ),
    # A person shared by the company and the school: their own data is edited by staff (or
    # someone who edits both); each organisation's editor can only unlink them from their own.
    "person-edit[shared]": web(
        "registry:person-edit",
        _shared_pk(),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            _edit_form("registry:person-edit", "shared", phone="06-99990000"),
            _person_phone("shared"),
        ),
    ),
    "person-delete[public]": web(
        "registry:person-delete",
        _pk("public"),
        EDITOR_GET,
        EDITOR_POST,
        Write(lambda w: {}, _person_exists("public")),
    ),
    "person-delete[shared]": web(
        "registry:person-delete",
        _shared_pk(),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(lambda w: {}, _person_exists("shared")),
    ),
    "person-unlink[shared-from-company]": web(
        "registry:person-unlink",
        _unlink("shared", "company"),
        POST_ONLY_GET,
        EDITOR_POST,
        Write(lambda w: {}, _links_of("shared")),
    ),
    "person-unlink[shared-from-school]": web(
        "registry:person-unlink",
        _unlink("shared", "school"),
        POST_ONLY_GET,
        LEAD_POST,
        Write(lambda w: {}, _links_of("shared")),
    ),
    # Olaf works only at the company: unlinking his last organisation would be deleting him.
    "person-unlink[last]": web(
        "registry:person-unlink",
        _unlink("public", "company"),
        POST_ONLY_GET,
        (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        Write(lambda w: {}, _links_of("public")),
    ),
    # --- partnerships ---
    "partnership-create": web(
        "registry:partnership-create",
        _none,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {
                "name": "Nieuwe Hub",
                "kind": "hub",
                "city": "Oss",
                "municipality": "",
                "start_year": "2024",
            },
            _count(Partnership),
        ),
    ),
    "partnership-edit[hub]": web(
        "registry:partnership-edit",
        _pk("hub"),
        LEAD_GET,
        LEAD_POST,
        Write(
            _edit_form("registry:partnership-edit", "hub", goals="Meer stageplaatsen."),
            _ps_goals("hub"),
        ),
    ),
    "partnership-edit[other]": web(
        "registry:partnership-edit",
        _pk("other_ps"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            _edit_form("registry:partnership-edit", "other_ps", goals="Meer stageplaatsen."),
            _ps_goals("other_ps"),
        ),
    ),
    # The lead may edit the hub but not delete it.
    "partnership-delete[hub]": web(
        "registry:partnership-delete",
        _pk("hub"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(lambda w: {}, _ps_exists("hub")),
    ),
    "membership-add[hub]": web(
        "registry:membership-add",
        _pk("hub"),
        POST_ONLY_GET,
        LEAD_POST,
        Write(
            lambda w: _member_form(organisation=w["other"].pk, role="member", since_year="2024"),
            _members_of("hub"),
        ),
    ),
    "membership-add[other]": web(
        "registry:membership-add",
        _pk("other_ps"),
        POST_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: _member_form(organisation=w["company"].pk, role="member", since_year=""),
            _members_of("other_ps"),
        ),
    ),
    "membership-edit[hub]": web(
        "registry:membership-edit",
        _gemeente_membership_kwargs,
        LEAD_GET,
        LEAD_POST,
        Write(_membership_edit_form, _members_of("hub")),
    ),
    "membership-remove[hub]": web(
        "registry:membership-remove",
        lambda w: {"pk": w["hub"].pk, "membership_pk": _gemeente_membership(w).pk},
        POST_ONLY_GET,
        LEAD_POST,
        Write(lambda w: {}, _members_of("hub")),
    ),
    "contact-add[hub]": web(
        "registry:contact-add",
        _pk("hub"),
        POST_ONLY_GET,
        LEAD_POST,
        Write(_new_school_person, _contacts_of("hub")),
    ),
    "contact-remove[hub]": web(
        "registry:contact-remove",
        _olaf_contact,
        POST_ONLY_GET,
        LEAD_POST,
        Write(lambda w: {}, _contacts_of("hub")),
    ),
    # --- accounts ---
    "dashboard": web("accounts:dashboard", _none, (LOGIN, OK, OK, OK, OK)),
    # Logged-in users are sent on (redirect_authenticated_user); a wrong password re-renders.
    "login": web(
        "accounts:login",
        _none,
        (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        (OK, REDIRECT, REDIRECT, REDIRECT, REDIRECT),
        Write(
            lambda w: {"username": "kijker@example.nl", "password": "wrong-password"},
            _nothing,
            success=(),
        ),
    ),
    "logout": web(
        "accounts:logout",
        _none,
        (NOT_ALLOWED,) * 5,
        ALL_REDIRECT,
        Write(lambda w: {}, _nothing, success=()),  # its effect is tested in tests/accounts
    ),
    "password-reset": web(
        "accounts:password-reset",
        _none,
        ALL_OK,
        ALL_REDIRECT,
        Write(lambda w: {"email": "kijker@example.nl"}, lambda w, c: len(mail.outbox)),
    ),
    "password-reset-done": web("accounts:password-reset-done", _none, ALL_OK),
    # A made-up token shows the "invalid link" page and cannot set a password.
    "password-reset-confirm[bogus]": web(
        "accounts:password-reset-confirm",
        _reset_confirm_bogus,
        ALL_OK,
        ALL_OK,
        Write(
            lambda w: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            _viewer_password,
            success=(),
        ),
    ),
    "password-reset-complete": web("accounts:password-reset-complete", _none, ALL_OK),
    "invitations": web(
        "accounts:invitations",
        _none,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {
                "email": "nieuw@example.nl",
                "role": "editor",
                "organisation": w["company"].pk,
            },
            _count(Invitation),
        ),
    ),
    "invitation-accept[valid]": web(
        "accounts:invitation-accept",
        _valid_invitation,
        ALL_OK,
        ALL_REDIRECT,
        Write(
            lambda w: {
                "full_name": "Nina Nieuw",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
            lambda w, c: User.objects.filter(email="nina@example.nl").exists(),
        ),
    ),
    "invitation-accept[unknown]": web(
        "accounts:invitation-accept",
        lambda w: {"token": "no-such-token"},
        ALL_404,
        ALL_404,
        Write(
            lambda w: {
                "full_name": "Nina Nieuw",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
            _count(User),
            success=(),
        ),
    ),
    # Lifting a login lockout (too many wrong passwords): staff only.
    "lockouts": web(
        "accounts:lockouts",
        _locked_out_viewer,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {"username": "kijker@example.nl", "ip_address": "127.0.0.1"},
            _count(AccessAttempt),
        ),
    ),
    # Personal API tokens: every logged-in user manages their own (the POST answers 200 with
    # the new token on the page); only the owner can revoke one, not even staff.
    "api-tokens": web(
        "api-tokens:token-list",
        _none,
        (LOGIN, OK, OK, OK, OK),
        (LOGIN, OK, OK, OK, OK),
        Write(lambda w: {"name": "mijn script"}, _count(ApiToken), success=(OK,)),
    ),
    "api-token-revoke[editor's]": web(
        "api-tokens:token-revoke",
        _pk("editor_token"),
        POST_ONLY_GET,
        (LOGIN, NOT_FOUND, REDIRECT, NOT_FOUND, NOT_FOUND),
        Write(lambda w: {}, _token_revoked),
    ),
    # --- registry import and export: staff only ---
    "import-upload": web(
        "registry-import:upload",
        _none,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(lambda w: {_upload_field(): [_csv_upload()], "source": "matrix"}, _count(ImportRun)),
    ),
    "import-run": web("registry-import:run", _previewed_run, STAFF_ONLY_GET),
    "import-progress": web("registry-import:progress", _previewed_run, STAFF_ONLY_GET),
    # staff_required comes before require_POST: non-staff get 403 even for GET.
    "import-confirm": web(
        "registry-import:confirm",
        _previewed_run,
        (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
        STAFF_ONLY_POST,
        Write(lambda w: {}, _run_status),
    ),
    # A stale run (its worker is gone) can be retried (here: it then imports at once)...
    "import-retry[stale]": web(
        "registry-import:retry",
        _stale_run,
        (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
        STAFF_ONLY_POST,
        Write(lambda w: {}, _run_status),
    ),
    # ... and a preview (or a stale run) discarded.
    "import-discard[previewed]": web(
        "registry-import:discard",
        _previewed_run,
        (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NOT_ALLOWED),
        STAFF_ONLY_POST,
        Write(lambda w: {}, _run_status),
    ),
    "export": web("registry-import:export", _none, STAFF_ONLY_GET),
    # Merging duplicates: the second organisation is folded into the first and deleted.
    "merge": web(
        "registry-import:merge",
        _none,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {"keep": w["company"].pk, "remove": w["other"].pk, "confirm": "1"},
            _org_exists("other"),
        ),
    ),
    # --- matching ---
    "find": web("matching:find", _none, ALL_OK),
    "partnership-suggestions[hub]": web("matching:partnership-suggestions", _pk("hub"), LEAD_GET),
    "partnership-suggestions[missing]": web(
        "matching:partnership-suggestions",
        _missing,
        (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ),
    "profile-edit[company]": web(
        "matching:profile-edit",
        _pk("company"),
        EDITOR_GET,
        EDITOR_POST,
        Write(_profile_form, _profile_of("company")),
    ),
    "profile-edit[other]": web(
        "matching:profile-edit",
        _pk("other"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(_profile_form, _profile_of("other")),
    ),
    "introduction-list": web("matching:introduction-list", _none, (LOGIN, OK, OK, OK, OK)),
    # Asking needs an organisation to ask for: the viewer has none; the school's own editor
    # cannot ask for an introduction to the school.
    "introduction-request[school]": web(
        "matching:introduction-request",
        _pk("school", "target_pk"),
        (LOGIN, FORBIDDEN, OK, FORBIDDEN, OK),
        (LOGIN, FORBIDDEN, REDIRECT, FORBIDDEN, REDIRECT),
        Write(
            lambda w: {"requester": w["company"].pk, "message": "Zullen we kennismaken?"},
            _count(Introduction),
        ),
    ),
    "introduction-direct[school]": web(
        "matching:introduction-direct",
        _pk("school", "target_pk"),
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {"requester": w["other"].pk, "message": "Jullie passen bij elkaar."},
            _count(Introduction),
        ),
    ),
    # Only the parties and staff see an introduction; only the target (and staff) answer.
    "introduction-detail[open]": web(
        "matching:introduction-detail",
        _open_introduction,
        (LOGIN, NOT_FOUND, OK, OK, OK),
        (LOGIN, NOT_FOUND, FORBIDDEN, REDIRECT, REDIRECT),
        Write(lambda w: {"accept": "yes", "response": "Graag!"}, _introduction_status),
    ),
    "guide-list": web("matching:guide-list", _none, ALL_OK),
    "guide-detail[company]": web("matching:guide-detail", _company_guide, ALL_OK),
    "guide-detail[no-such-kind]": web("matching:guide-detail", lambda w: {"kind": "nope"}, ALL_404),
    "guide-edit[company]": web(
        "matching:guide-edit",
        _company_guide,
        STAFF_ONLY_GET,
        STAFF_ONLY_POST,
        Write(
            lambda w: {
                "title_nl": "Nieuwe titel",
                "body_nl": "Tekst.",
                "title_en": "",
                "body_en": "",
            },
            _guide_titles,
        ),
    ),
    "api:match": api(
        "match",
        _none,
        "POST",
        ALL_OK,
        Write(lambda w: {"need": "metaal", "top": 3}, _count(Introduction), success=()),
    ),
    # --- the rest of the website ---
    "set-language": web(
        "set-language",
        _none,
        ALL_REDIRECT,
        ALL_REDIRECT,
        Write(lambda w: {"language": "en", "next": "/over/"}, _language_cookie),
    ),
    "admin": web("admin:index", _none, (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, OK)),
    # --- the JSON API: reads are public, writes need a token and the same permissions ---
    "api:root": api("api-root", _none, "GET", ALL_404),
    "api:unknown": api("unknown_url", lambda w: {"rest": "nope"}, "GET", ALL_404),
    "api:docs": api("openapi-view", _none, "GET", ALL_OK),
    "api:openapi": api("openapi-json", _none, "GET", ALL_OK),
    "api:docs-asset": api("docs-asset", lambda w: {"name": "swagger-ui.css"}, "GET", ALL_OK),
    "api:themes": api("theme_list", _none, "GET", ALL_OK),
    "api:theme": api("theme_get", lambda w: {"code": "htsm"}, "GET", ALL_OK),
    "api:provinces": api("province_list", _none, "GET", ALL_OK),
    "api:province": api("province_get", lambda w: {"code": "PV30"}, "GET", ALL_OK),
    "api:regions": api("labour_market_region_list", _none, "GET", ALL_OK),
    "api:region": api("labour_market_region_get", lambda w: {"code": "AM27"}, "GET", ALL_OK),
    "api:municipalities": api("municipality_list", _none, "GET", ALL_OK),
    "api:municipality": api("municipality_get", lambda w: {"code": "GM0828"}, "GET", ALL_OK),
    "api:organisations": api("organisation_list", _none, "GET", ALL_OK),
    "api:organisation": api("organisation_get", _pk("company", "organisation_id"), "GET", ALL_OK),
    "api:organisation-create": api(
        "organisation_create",
        _none,
        "POST",
        (*API_STAFF_ONLY, CREATED),
        Write(
            lambda w: {"kind": "company", "name": "API Bedrijf", "city": "Oss"},
            _count(Organisation),
            success=API_WRITE,
        ),
    ),
    "api:organisation-update[company]": api(
        "organisation_update",
        _pk("company", "organisation_id"),
        "PATCH",
        (UNAUTHORIZED, FORBIDDEN, OK, FORBIDDEN, OK),
        Write(
            lambda w: {"description": "Via de API."}, _org_description("company"), success=API_WRITE
        ),
    ),
    "api:organisation-update[school]": api(
        "organisation_update",
        _pk("school", "organisation_id"),
        "PATCH",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, OK, OK),
        Write(
            lambda w: {"description": "Via de API."}, _org_description("school"), success=API_WRITE
        ),
    ),
    "api:organisation-delete[company]": api(
        "organisation_delete",
        _pk("company", "organisation_id"),
        "DELETE",
        (*API_STAFF_ONLY, NO_CONTENT),
        Write(lambda w: {}, _org_exists("company"), success=API_WRITE),
    ),
    "api:partnerships": api("partnership_list", _none, "GET", ALL_OK),
    "api:partnership": api("partnership_get", _pk("hub", "partnership_id"), "GET", ALL_OK),
    "api:partnership-create": api(
        "partnership_create",
        _none,
        "POST",
        (*API_STAFF_ONLY, CREATED),
        Write(
            lambda w: {"kind": "hub", "name": "API Hub", "city": "Oss"},
            _count(Partnership),
            success=API_WRITE,
        ),
    ),
    "api:partnership-update[hub]": api(
        "partnership_update",
        _pk("hub", "partnership_id"),
        "PATCH",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, OK, OK),
        Write(lambda w: {"goals": "Via de API."}, _ps_goals("hub"), success=API_WRITE),
    ),
    "api:partnership-update[other]": api(
        "partnership_update",
        _pk("other_ps", "partnership_id"),
        "PATCH",
        (*API_STAFF_ONLY, OK),
        Write(lambda w: {"goals": "Via de API."}, _ps_goals("other_ps"), success=API_WRITE),
    ),
    "api:partnership-delete[hub]": api(
        "partnership_delete",
        _pk("hub", "partnership_id"),
        "DELETE",
        (*API_STAFF_ONLY, NO_CONTENT),
        Write(lambda w: {}, _ps_exists("hub"), success=API_WRITE),
    ),
    "api:memberships": api("membership_list", _none, "GET", ALL_OK),
    "api:membership": api(
        "membership_get", lambda w: {"membership_id": _gemeente_membership(w).pk}, "GET", ALL_OK
    ),
    "api:membership-create[hub]": api(
        "membership_create",
        _none,
        "POST",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, CREATED, CREATED),
        Write(
            lambda w: {"partnership": w["hub"].pk, "organisation": w["other"].pk},
            _members_of("hub"),
            success=API_WRITE,
        ),
    ),
    "api:membership-update[hub]": api(
        "membership_update",
        lambda w: {"membership_id": _gemeente_membership(w).pk},
        "PATCH",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, OK, OK),
        Write(lambda w: {"role": "partner"}, _members_of("hub"), success=API_WRITE),
    ),
    "api:membership-delete[hub]": api(
        "membership_delete",
        lambda w: {"membership_id": _gemeente_membership(w).pk},
        "DELETE",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, NO_CONTENT, NO_CONTENT),
        Write(lambda w: {}, _members_of("hub"), success=API_WRITE),
    ),
    "api:people": api("person_list", _none, "GET", ALL_OK),
    "api:person[public]": api("person_get", _pk("public", "person_id"), "GET", ALL_OK),
    "api:person[private]": api(
        "person_get",
        _pk("private", "person_id"),
        "GET",
        (NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, OK),
    ),
    "api:person-create[company]": api(
        "person_create",
        _none,
        "POST",
        (UNAUTHORIZED, FORBIDDEN, CREATED, FORBIDDEN, CREATED),
        Write(
            lambda w: {"name": "API Collega", "organisation": w["company"].pk},
            _people_at("company"),
            success=API_WRITE,
        ),
    ),
    "api:person-update[public]": api(
        "person_update",
        _pk("public", "person_id"),
        "PATCH",
        (UNAUTHORIZED, FORBIDDEN, OK, FORBIDDEN, OK),
        Write(lambda w: {"phone": "06-99990000"}, _person_phone("public"), success=API_WRITE),
    ),
    "api:person-update[other-company]": api(
        "person_update",
        _pk("other_person", "person_id"),
        "PATCH",
        (*API_STAFF_ONLY, OK),
        Write(lambda w: {"phone": "06-99990000"}, _person_phone("other_person"), success=API_WRITE),
    ),
    "api:person-delete[public]": api(
        "person_delete",
        _pk("public", "person_id"),
        "DELETE",
        (UNAUTHORIZED, FORBIDDEN, NO_CONTENT, FORBIDDEN, NO_CONTENT),
        Write(lambda w: {}, _person_phone("public"), success=API_WRITE),
    ),
    "api:person-update[shared]": api(
        "person_update",
        _shared_pk("person_id"),
        "PATCH",
        (*API_STAFF_ONLY, OK),
        Write(lambda w: {"phone": "06-99990000"}, _person_phone("shared"), success=API_WRITE),
    ),
    "api:person-delete[shared]": api(
        "person_delete",
        _shared_pk("person_id"),
        "DELETE",
        (*API_STAFF_ONLY, NO_CONTENT),
        Write(lambda w: {}, _person_exists("shared"), success=API_WRITE),
    ),
    "api:person-unlink[shared-from-company]": api(
        "person_unlink",
        lambda w: {"person_id": _shared(w).pk, "organisation_id": w["company"].pk},
        "DELETE",
        (UNAUTHORIZED, FORBIDDEN, NO_CONTENT, FORBIDDEN, NO_CONTENT),
        Write(lambda w: {}, _links_of("shared"), success=API_WRITE),
    ),
    "api:person-unlink[last]": api(
        "person_unlink",
        lambda w: {"person_id": w["public"].pk, "organisation_id": w["company"].pk},
        "DELETE",
        (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
        Write(lambda w: {}, _links_of("public"), success=API_WRITE),
    ),
}


def _cases() -> list[Any]:
    cases = []
    for case_id, row in MATRIX.items():
        for method, outcomes in row.expect.items():
            for role, expected in zip(ROLES, outcomes, strict=True):
                cases.append(
                    pytest.param(case_id, role, method, expected, id=f"{case_id}-{role}-{method}")
                )
    return cases


# --- helpers -----------------------------------------------------------------------------


def assert_outcome(
    response: Any, expected: Any, where: str, *, is_api: bool, json_errors: bool = True
) -> None:
    status = response.status_code
    location = response.headers.get("Location", "")
    login_url = reverse("accounts:login")
    admin_login_url = reverse("admin:login")
    where = f"{where} -> {status} {location}"
    if expected == LOGIN:
        assert status == 302, where
        assert location.startswith(login_url + "?next="), where
    elif expected == ADMIN_LOGIN:
        assert status == 302, where
        assert location.startswith(admin_login_url), where
    elif expected == REDIRECT:
        assert status in (301, 302, 303), where
        assert not location.startswith((login_url, admin_login_url)), where
    else:
        assert status == expected, where
        if expected == FORBIDDEN and not is_api:
            assert b"Not allowed" in response.content, "the friendly 403 page is rendered"
        if is_api and json_errors and status >= 400:
            assert "detail" in response.json(), "API errors have the documented shape"


def _request(
    client: Any, row: Row, method: str, url: str, role: str, world: World, data: dict[str, Any]
) -> Any:
    if not row.api:
        if world[role] is not None:
            client.force_login(world[role])
        return client.get(url) if method == "GET" else client.post(url, data)
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world['tokens'][role]}"}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.generic(
        method, url, json.dumps(data), content_type="application/json", headers=headers
    )


# --- the tests ---------------------------------------------------------------------------


@pytest.mark.parametrize(("case_id", "role", "method", "expected"), _cases())
def test_matrix(
    case_id: str, role: str, method: str, expected: Any, world: World, client: Any
) -> None:
    row = MATRIX[case_id]
    url = reverse(row.url_name, kwargs=row.kwargs(world))
    where = f"{role} {method} {url}"
    if method == "GET":
        assert_outcome(
            _request(client, row, method, url, role, world, {}),
            expected,
            where,
            is_api=row.api,
            json_errors=row.json_errors,
        )
        return
    write = row.write
    assert write is not None, f"{case_id} writes but has no Write spec"
    data = write.data(world)
    before = write.state(world, client)
    response = _request(client, row, method, url, role, world, data)
    assert_outcome(response, expected, where, is_api=row.api, json_errors=row.json_errors)
    after = write.state(world, client)
    if expected in write.success:
        assert after != before, f"{where} answered {expected} but changed nothing"
    else:
        assert after == before, f"{where} answered {expected} but changed the data"


def _url_names(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    """(namespace, full name, pattern) for every URL pattern, through included resolvers."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else ""
            yield namespace, name, pattern


def _is_skipped(namespace: str, name: str, pattern: URLPattern) -> bool:
    module = getattr(pattern.callback, "__module__", "")
    if module in {"django.views.static", "django.contrib.staticfiles.views"}:
        return True  # static/media handlers
    # Django admin internals have the admin's own permissions; its index is in the table.
    return namespace.startswith("admin:") and name != "admin:index"


def _covered_by_app_matrices() -> set[str]:
    """URL names covered by an app's own matrix, `tests/<app>/test_permission_matrix.py`.

    Capability apps (communities, funding, events, ...) keep their roles, world and rows in
    their own matrix module, which exports `COVERED_URL_NAMES`; this test still checks that
    every URL of the project is covered by some matrix.
    """
    covered: set[str] = set()
    here = Path(__file__).resolve()
    for path in sorted(here.parents[1].glob("*/test_permission_matrix.py")):
        if path == here:
            continue
        spec = importlib.util.spec_from_file_location(f"_matrix_{path.parent.name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names = module.COVERED_URL_NAMES
        assert names, f"{path} covers no URL names"
        covered |= set(names)
    return covered


def test_matrix_covers_every_url() -> None:
    found = {}
    for namespace, name, pattern in _url_names(get_resolver().url_patterns):
        if _is_skipped(namespace, name, pattern):
            continue
        assert name, f"URL pattern {pattern.pattern} has no name; name it and add it to MATRIX"
        found[name] = pattern
    in_table = {row.url_name for row in MATRIX.values()} | _covered_by_app_matrices()
    missing = sorted(set(found) - in_table)
    assert not missing, f"URL names without a permission-matrix row: {missing}"
    unknown = sorted(in_table - set(found))
    assert not unknown, f"matrix rows for URL names the resolver does not know: {unknown}"
    assert "admin:index" in found
    assert len(found) >= 30, "the resolver walk found suspiciously few URLs"


def test_matrix_rows_are_complete() -> None:
    for case_id, row in MATRIX.items():
        assert row.expect, case_id
        for method, outcomes in row.expect.items():
            assert len(outcomes) == len(ROLES), case_id
            if method != "GET":
                assert row.write is not None, f"{case_id}: {method} outcomes need a Write spec"


def test_api_ignores_the_browser_session(client: Any, world: World) -> None:
    """A logged-in staff member's session cookie is no API credential (no CSRF exposure)."""
    client.force_login(world["staff"])
    response = client.post(
        reverse("api-v1:organisation_create"),
        json.dumps({"kind": "company", "name": "Via sessie"}),
        content_type="application/json",
    )
    assert response.status_code == UNAUTHORIZED
    assert not Organisation.objects.filter(name="Via sessie").exists()


def test_api_refuses_a_wrong_token_even_on_reads(client: Any, world: World) -> None:
    response = client.get(
        reverse("api-v1:organisation_list"), headers={"Authorization": "Bearer kp_not-a-real-token"}
    )
    assert response.status_code == UNAUTHORIZED


def test_api_hides_personal_data_from_anonymous_but_not_from_the_editor(
    client: Any, world: World
) -> None:
    url = reverse("api-v1:person_get", kwargs={"person_id": world["public"].pk})
    anonymous = client.get(url).json()
    assert anonymous["name"] == "Openbare Olaf"
    assert anonymous["email"] is None and anonymous["phone"] is None
    as_editor = client.get(url, headers={"Authorization": f"Bearer {world['tokens']['editor']}"})
    assert as_editor.json()["email"] == "olaf@example.nl"
    lead_token = world["tokens"]["lead_editor"]
    as_other = client.get(url, headers={"Authorization": f"Bearer {lead_token}"})
    assert as_other.json()["email"] is None


def test_api_root_answers_in_the_api_error_shape(client: Any, db: Any) -> None:
    response = client.get(reverse("api-v1:api-root"))
    assert response.status_code == NOT_FOUND
    assert response.headers["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


# --- what the pages offer matches what the matrix allows ----------------------------------


def test_partnership_page_offers_lead_editing_but_not_deleting(client: Any, world: World) -> None:
    hub = world["hub"]
    client.force_login(world["lead_editor"])
    html = client.get(hub.get_absolute_url()).content.decode()
    assert reverse("registry:partnership-edit", args=[hub.pk]) in html
    assert reverse("registry:membership-add", args=[hub.pk]) in html
    assert reverse("registry:contact-add", args=[hub.pk]) in html
    assert reverse("registry:partnership-delete", args=[hub.pk]) not in html


def test_partnership_page_offers_partner_editor_nothing(client: Any, world: World) -> None:
    hub = world["hub"]
    client.force_login(world["editor"])
    html = client.get(hub.get_absolute_url()).content.decode()
    for name in ("partnership-edit", "partnership-delete", "membership-add", "contact-add"):
        assert reverse(f"registry:{name}", args=[hub.pk]) not in html, name


def test_organisation_page_offers_editor_edit_of_own_company_only(
    client: Any, world: World
) -> None:
    client.force_login(world["editor"])
    company, school = world["company"], world["school"]
    html = client.get(company.get_absolute_url()).content.decode()
    assert reverse("registry:organisation-edit", args=[company.pk]) in html
    assert reverse("registry:person-create", args=[company.pk]) in html
    assert reverse("registry:organisation-delete", args=[company.pk]) not in html
    html = client.get(school.get_absolute_url()).content.decode()
    assert reverse("registry:organisation-edit", args=[school.pk]) not in html


def test_staff_sees_delete_and_admin_links(client: Any, world: World) -> None:
    client.force_login(world["staff"])
    html = client.get(world["hub"].get_absolute_url()).content.decode()
    assert reverse("registry:partnership-delete", args=[world["hub"].pk]) in html
    assert reverse("admin:index") in html
    assert reverse("accounts:invitations") in html


# --- refused and invalid writes change nothing ------------------------------------------------


def _form_of(client: Any, url: str, **changes: Any) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    data: dict[str, Any] = page_form(response.content.decode())
    data.update(changes)
    return data


def test_invalid_edit_rerenders_with_400_and_changes_nothing(client: Any, world: World) -> None:
    company = world["company"]
    client.force_login(world["editor"])
    url = reverse("registry:organisation-edit", args=[company.pk])
    response = client.post(url, _form_of(client, url, kvk="1234567", name="Hernoemd"))
    assert response.status_code == 400
    assert "8 digits" in response.content.decode()
    company.refresh_from_db()
    assert (company.kvk, company.name) == ("12345678", "Metaalbedrijf De Vonk")


def test_invalid_edit_over_htmx_answers_422(client: Any, world: World) -> None:
    company = world["company"]
    client.force_login(world["editor"])
    url = reverse("registry:organisation-edit", args=[company.pk])
    response = client.post(url, _form_of(client, url, kvk="abc"), headers={"HX-Request": "true"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("url_name", "key", "role", "change"),
    [
        ("registry:organisation-edit", "company", "editor", {"description": "Nieuw."}),
        ("registry:organisation-edit", "school", "lead_editor", {"phone": "073-1111111"}),
        ("registry:partnership-edit", "hub", "lead_editor", {"goals": "Nieuw doel."}),
        ("registry:person-edit", "public", "editor", {"name": "Olaf Openbaar"}),
    ],
)
def test_edit_form_round_trip_changes_only_what_was_changed(
    client: Any, world: World, url_name: str, key: str, role: str, change: dict[str, str]
) -> None:
    """Posting an edit page back as a browser would, with one field changed, changes only that
    field: every other value (municipality, themes, years, consent, ...) is rendered so that
    it survives the round trip."""
    target = world[key]
    client.force_login(world[role])
    url = reverse(url_name, args=[target.pk])
    response = client.post(url, _form_of(client, url, **change))
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = history_for(target).first()
    assert entry is not None and entry.actor == world[role]
    field = next(iter(change))
    assert set(entry.changes) == {field}, f"the audit diff lists {sorted(entry.changes)}"
    assert entry.changes[field][1] == change[field]


def test_editor_cannot_add_a_contact_from_another_organisation(client: Any, world: World) -> None:
    """The contact form only offers people the lead may see who work at a member."""
    hub = world["hub"]
    client.force_login(world["lead_editor"])
    url = reverse("registry:contact-add", args=[hub.pk])
    for person in (world["private"], world["other_person"]):
        response = client.post(url, _contact_form(person=person.pk, role="x"))
        assert response.status_code == 400, person.name
    assert sorted(
        PartnershipContact.objects.filter(partnership=hub).values_list("person__name", flat=True)
    ) == ["Openbare Olaf"]


def test_membership_remove_of_another_partnership_is_404(client: Any, world: World) -> None:
    """A membership id from another partnership cannot be removed through the hub's URL."""
    other_membership = Membership.objects.get(partnership=world["other_ps"])
    client.force_login(world["lead_editor"])
    url = reverse("registry:membership-remove", args=[world["hub"].pk, other_membership.pk])
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=other_membership.pk).exists()
