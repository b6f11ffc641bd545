"""The API permission matrix: every operation x role -> expected status (and DB effect).

The API counterpart of tests/core/test_permission_matrix.py. `MATRIX` is the single
table; `test_matrix_covers_every_operation` reads /api/v1/openapi.json and fails when an
operation has no row, so a new endpoint must be added here (with what each role may do)
before the suite passes again. Rows name the operation by its operationId; the method
and path template come from the OpenAPI document, so the table tests what is documented.

Roles, each calling with its own personal API token (anonymous: no Authorization header):
- anonymous;
- viewer: an account that edits nothing;
- editor: edits the company "Metaalbedrijf De Vonk", a *partner* of Technohub Maasland;
- lead_editor: edits the school that *leads* Technohub Maasland;
- staff: the broker.

Every write row has a probe of the database state: a 2xx answer must have changed it,
any other answer must have left it unchanged. Every answer must be a status the
operation documents, and every error answer must have the one error shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from knooppunt.accounts.models import User
from knooppunt.registry import services
from knooppunt.registry.models import Affiliation, Membership, Organisation, Partnership, Person

ROLES = ("anonymous", "viewer", "editor", "lead_editor", "staff")
World = dict[str, Any]


@dataclass(frozen=True)
class Row:
    operation: str  # operationId in the OpenAPI document
    expected: tuple[int, int, int, int, int]  # one status per role, in ROLES order
    params: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], Any] | None = None
    state: Callable[[World], Any] | None = None  # for writes: what a success changes


def all_same(status: int) -> tuple[int, int, int, int, int]:
    return (status,) * 5


def org_state(w: World) -> Any:
    return sorted(Organisation.objects.values_list("id", "name", "description"))


def ps_state(w: World) -> Any:
    return sorted(Partnership.objects.values_list("id", "name", "goals"))


def membership_state(w: World) -> Any:
    return sorted(Membership.objects.values_list("id", "partnership_id", "organisation_id", "role"))


def person_state(w: World) -> Any:
    return sorted(Person.objects.values_list("id", "name", "phone"))


def affiliation_state(w: World) -> Any:
    return sorted(Affiliation.objects.values_list("person_id", "organisation_id"))


def shared_person(w: World) -> Person:
    """A public person at both the company and the school (made on first use)."""
    if "shared" not in w:
        w["shared"] = services.person_create(
            actor=None, name="Gedeelde Gijs", organisation=w["company"], is_public=True
        )
        services.affiliation_set(actor=None, person=w["shared"], organisation=w["school"])
    return w["shared"]  # type: ignore[no-any-return]


MISSING = 987654321

#                        anonymous viewer editor lead staff
MATRIX: dict[str, Row] = {
    # organisations
    "org-list": Row("organisation_list", all_same(200)),
    "org-list-filtered": Row("organisation_list", all_same(200)),
    "org-get": Row(
        "organisation_get", all_same(200), lambda w: {"organisation_id": w["company"].pk}
    ),
    "org-get-missing": Row(
        "organisation_get", all_same(404), lambda w: {"organisation_id": MISSING}
    ),
    "org-create": Row(
        "organisation_create",
        (401, 403, 403, 403, 201),
        body=lambda w: {"kind": "company", "name": "Nieuw BV", "city": "Oss", "themes": ["ict"]},
        state=org_state,
    ),
    "org-update-own": Row(
        "organisation_update",
        (401, 403, 200, 403, 200),
        lambda w: {"organisation_id": w["company"].pk},
        body=lambda w: {"description": "Bijgewerkt via de API."},
        state=org_state,
    ),
    "org-update-other": Row(
        "organisation_update",
        (401, 403, 403, 403, 200),
        lambda w: {"organisation_id": w["other"].pk},
        body=lambda w: {"description": "Bijgewerkt via de API."},
        state=org_state,
    ),
    "org-update-missing": Row(
        "organisation_update",
        (401, 404, 404, 404, 404),
        lambda w: {"organisation_id": MISSING},
        body=lambda w: {"description": "Bijgewerkt via de API."},
        state=org_state,
    ),
    "org-delete": Row(
        "organisation_delete",
        (401, 403, 403, 403, 204),
        lambda w: {"organisation_id": w["company"].pk},
        state=org_state,
    ),
    # partnerships
    "ps-list": Row("partnership_list", all_same(200)),
    "ps-get": Row("partnership_get", all_same(200), lambda w: {"partnership_id": w["hub"].pk}),
    "ps-get-missing": Row("partnership_get", all_same(404), lambda w: {"partnership_id": MISSING}),
    "ps-create": Row(
        "partnership_create",
        (401, 403, 403, 403, 201),
        body=lambda w: {"kind": "hub", "name": "Nieuwe hub", "start_year": 2024},
        state=ps_state,
    ),
    "ps-update-led": Row(
        "partnership_update",
        (401, 403, 403, 200, 200),
        lambda w: {"partnership_id": w["hub"].pk},
        body=lambda w: {"goals": "Nieuwe doelen."},
        state=ps_state,
    ),
    "ps-update-other": Row(
        "partnership_update",
        (401, 403, 403, 403, 200),
        lambda w: {"partnership_id": w["other_ps"].pk},
        body=lambda w: {"goals": "Nieuwe doelen."},
        state=ps_state,
    ),
    "ps-delete": Row(
        "partnership_delete",
        (401, 403, 403, 403, 204),
        lambda w: {"partnership_id": w["hub"].pk},
        state=ps_state,
    ),
    # memberships
    "ms-list": Row("membership_list", all_same(200)),
    "ms-get": Row("membership_get", all_same(200), lambda w: {"membership_id": w["company_ms"].pk}),
    "ms-get-missing": Row("membership_get", all_same(404), lambda w: {"membership_id": MISSING}),
    "ms-create": Row(
        "membership_create",
        (401, 403, 403, 201, 201),
        body=lambda w: {"partnership": w["hub"].pk, "organisation": w["other"].pk},
        state=membership_state,
    ),
    "ms-create-existing": Row(
        "membership_create",
        (401, 403, 403, 409, 409),
        body=lambda w: {"partnership": w["hub"].pk, "organisation": w["company"].pk},
        state=membership_state,
    ),
    "ms-update": Row(
        "membership_update",
        (401, 403, 403, 200, 200),
        lambda w: {"membership_id": w["company_ms"].pk},
        body=lambda w: {"role": "founder"},
        state=membership_state,
    ),
    "ms-delete": Row(
        "membership_delete",
        (401, 403, 403, 204, 204),
        lambda w: {"membership_id": w["company_ms"].pk},
        state=membership_state,
    ),
    # people: visibility decides 404 before permission decides 403
    "person-list": Row("person_list", all_same(200)),
    "person-get-public": Row("person_get", all_same(200), lambda w: {"person_id": w["public"].pk}),
    "person-get-private": Row(
        "person_get", (404, 404, 200, 404, 200), lambda w: {"person_id": w["private"].pk}
    ),
    "person-create": Row(
        "person_create",
        (401, 403, 201, 403, 201),
        body=lambda w: {"name": "Nieuwe Nina", "organisation": w["company"].pk},
        state=person_state,
    ),
    "person-create-other-org": Row(
        "person_create",
        (401, 403, 403, 403, 201),
        body=lambda w: {"name": "Nieuwe Nina", "organisation": w["other"].pk},
        state=person_state,
    ),
    "person-update-public": Row(
        "person_update",
        (401, 403, 200, 403, 200),
        lambda w: {"person_id": w["public"].pk},
        body=lambda w: {"phone": "06-99998888"},
        state=person_state,
    ),
    "person-update-private": Row(
        "person_update",
        (401, 404, 200, 404, 200),
        lambda w: {"person_id": w["private"].pk},
        body=lambda w: {"phone": "06-99998888"},
        state=person_state,
    ),
    "person-update-other-org": Row(
        "person_update",
        (401, 403, 403, 403, 200),
        lambda w: {"person_id": w["other_person"].pk},
        body=lambda w: {"phone": "06-99998888"},
        state=person_state,
    ),
    "person-delete": Row(
        "person_delete",
        (401, 403, 204, 403, 204),
        lambda w: {"person_id": w["public"].pk},
        state=person_state,
    ),
    # a person shared by the company and the school: staff (or an editor of both) edits and
    # deletes; each organisation's editor unlinks the person from their own organisation
    "person-update-shared": Row(
        "person_update",
        (401, 403, 403, 403, 200),
        lambda w: {"person_id": shared_person(w).pk},
        body=lambda w: {"phone": "06-99998888"},
        state=person_state,
    ),
    "person-delete-shared": Row(
        "person_delete",
        (401, 403, 403, 403, 204),
        lambda w: {"person_id": shared_person(w).pk},
        state=person_state,
    ),
    "person-unlink-shared": Row(
        "person_unlink",
        (401, 403, 204, 403, 204),
        lambda w: {"person_id": shared_person(w).pk, "organisation_id": w["company"].pk},
        state=affiliation_state,
    ),
    "person-unlink-last": Row(
        "person_unlink",
        (401, 403, 403, 403, 403),
        lambda w: {"person_id": w["public"].pk, "organisation_id": w["company"].pk},
        state=affiliation_state,
    ),
    # reference data
    "theme-list": Row("theme_list", all_same(200)),
    # matching: a question (POST for its body) that anyone may ask and that changes nothing;
    # member suggestions and asking as an organisation follow the website's rules
    "match-need": Row(
        "match", all_same(200), body=lambda w: {"need": "metaal", "top": 3}, state=org_state
    ),
    "match-need-as-company": Row(
        "match",
        (401, 403, 200, 403, 200),
        body=lambda w: {"need": "metaal", "organisation": w["company"].pk},
        state=org_state,
    ),
    "match-partnership": Row(
        "match",
        (401, 403, 403, 200, 200),
        body=lambda w: {"partnership": str(w["hub"].pk), "top": 3},
        state=membership_state,
    ),
    "match-unknown-partnership": Row(
        "match", all_same(422), body=lambda w: {"partnership": "nope"}, state=org_state
    ),
    "theme-get": Row("theme_get", all_same(200), lambda w: {"code": "maakindustrie"}),
    "theme-get-missing": Row("theme_get", all_same(404), lambda w: {"code": "bestaat_niet"}),
    "province-list": Row("province_list", all_same(200)),
    "province-get": Row("province_get", all_same(200), lambda w: {"code": "PV30"}),
    "region-list": Row("labour_market_region_list", all_same(200)),
    "region-get": Row("labour_market_region_get", all_same(200), lambda w: {"code": "AM27"}),
    "municipality-list": Row("municipality_list", all_same(200)),
    "municipality-get": Row("municipality_get", all_same(200), lambda w: {"code": "GM0828"}),
    "municipality-get-missing": Row(
        "municipality_get", all_same(404), lambda w: {"code": "GM9999"}
    ),
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def operations(openapi: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (METHOD, path template, operation)."""
    found = {}
    for path, ops in openapi["paths"].items():
        for method, op in ops.items():
            found[op["operationId"]] = (method.upper(), path, op)
    return found


@pytest.fixture
def world(
    registry: World, viewer: User, editor: User, lead_editor: User, staff: User, make_api: Any
) -> World:
    w = dict(registry)
    w["company_ms"] = Membership.objects.get(partnership=w["hub"], organisation=w["company"])
    w["users"] = {
        "anonymous": None,
        "viewer": viewer,
        "editor": editor,
        "lead_editor": lead_editor,
        "staff": staff,
    }
    return w


@pytest.mark.parametrize("case_id", sorted(MATRIX))
def test_matrix(case_id: str, world: World, openapi: dict[str, Any], make_api: Any) -> None:
    """One row, every role; each role's call runs in a savepoint that is rolled back after."""
    row = MATRIX[case_id]
    method, template, operation = operations(openapi)[row.operation]
    path = template.removeprefix("/api/v1").format(**row.params(world))
    if case_id == "org-list-filtered":
        path += "?q=metaal&kind=company&theme=maakindustrie&province=PV30&sort=name"
    assert (method != "GET") == (row.state is not None), f"{case_id}: writes need a state probe"
    clients = {role: make_api(user) for role, user in world["users"].items()}
    problems = []
    for role, expected in zip(ROLES, row.expected, strict=True):
        with transaction.atomic():
            status, found = call_and_check(clients[role], method, path, row, operation, world)
            transaction.set_rollback(True)
        if status != expected:
            found.insert(0, f"answered {status}, expected {expected}")
        problems += [f"{role}: {problem}" for problem in found]
    assert not problems, f"{method} {path}:\n" + "\n".join(problems)


def call_and_check(
    api: Any, method: str, path: str, row: Row, operation: dict[str, Any], w: World
) -> tuple[int, list[str]]:
    """Make the call; return its status and what is wrong about the answer besides that."""
    problems = []
    before = row.state(w) if row.state else None
    response = api.call(method, path, row.body(w) if row.body else None)
    status = int(response.status_code)
    if str(status) not in operation["responses"]:
        problems.append(f"{status} is not documented for this operation")
    if status >= 400:
        error = response.json()
        if not (isinstance(error.get("detail"), str) and error["detail"]):
            problems.append(f"error without a detail: {error}")
        if not set(error) <= {"detail", "errors"}:
            problems.append(f"error not in the one error shape: {error}")
    if row.state is not None:
        after = row.state(w)
        if operation.get("x-read-only"):
            if after != before:
                problems.append(f"a read-only operation changed data ({status})")
        elif 200 <= status < 300 and after == before:
            problems.append(f"succeeded ({status}) but changed nothing")
        if not 200 <= status < 300 and after != before:
            problems.append(f"was refused ({status}) but changed data")
    return status, problems


def test_matrix_covers_every_operation(openapi: dict[str, Any]) -> None:
    documented = set(operations(openapi))
    in_table = {row.operation for row in MATRIX.values()}
    missing = sorted(documented - in_table)
    assert not missing, f"API operations without a permission-matrix row: {missing}"
    unknown = sorted(in_table - documented)
    assert not unknown, f"matrix rows for operations the OpenAPI document lacks: {unknown}"
    assert len(documented) >= 28, "the OpenAPI document lists suspiciously few operations"


def test_every_write_refuses_anonymous_and_documents_401(openapi: dict[str, Any]) -> None:
    for operation_id, (method, _path, op) in operations(openapi).items():
        if method == "GET" or op.get("x-read-only"):  # x-read-only: a question sent as POST
            assert {} in op["security"], f"{operation_id}: reads work without a token"
        else:
            assert op["security"] == [{"TokenAuth": []}], f"{operation_id}: writes need a token"
            assert "401" in op["responses"] and "403" in op["responses"], operation_id
