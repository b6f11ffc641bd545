"""The public directory and detail pages, through the Django test client."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knooppunt.accounts.models import User
from knooppunt.accounts.services import editorship_grant
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.models import Organisation, Theme

DIRECTORY = "/"

# --- speed: reference data once per module, cheap password hashing ----------------------


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The reference data, loaded once for this module in a transaction rolled back at its end.

    Every test still runs in its own savepoint (pytest-django's `db`).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def reference(_reference_once: None, db: Any) -> None:
    """Overrides tests/conftest.py's `reference` in this module: same data, loaded once."""


@pytest.fixture(autouse=True)
def _test_settings(settings: Any) -> None:
    """Cheap password hashing; English pages, so assertions read the msgids."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "en"


# --- helpers -------------------------------------------------------------------------------

RESULT = re.compile(r'<li class="result">\s*<h3><a href="[^"]*">([^<]*)</a>')


def result_names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [html.unescape(name) for name in RESULT.findall(response.content.decode())]


def search(client: Any, **params: Any) -> list[str]:
    return result_names(client.get(DIRECTORY, params))


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def more(registry: dict[str, Any]) -> dict[str, Organisation]:
    """A few organisations outside Noord-Brabant and with other themes."""
    smart = Theme.objects.get(code="smart_industry")
    return {
        "fryslan": services.organisation_create(
            actor=None,
            kind="knowledge_institute",
            name="Kenniscentrum Fryslân",
            city="Leeuwarden",
        ),
        "jansen": services.organisation_create(
            actor=None,
            kind="company",
            name="Bedrijf Jansen",
            city="Nijmegen",
        ),
        "robot": services.organisation_create(
            actor=None,
            kind="company",
            name="Robotwerk Twente",
            city="Enschede",
            themes=[smart],
        ),
    }


# --- search ----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["Fryslan", "fryslân", "FRYSLAN", "kenniscentrum fryslan"])
def test_search_is_accent_insensitive(client: Any, more: dict[str, Any], q: str) -> None:
    assert search(client, q=q) == ["Kenniscentrum Fryslân"]


def test_plural_finds_the_singular_as_a_separate_word(client: Any, more: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"q": "bedrijven"})
    names = result_names(response)
    assert names[0] == "Bedrijf Jansen", "a hit in the name ranks first"
    assert "Koning Willem I College" not in names
    assert "name contains “bedrijf”" in text(response)


def test_search_finds_partnerships_by_member_name(client: Any, registry: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"what": "partnerships", "q": "vonk"})
    assert result_names(response) == ["Technohub Maasland"]
    assert "a member's name contains “vonk”" in text(response)


def test_search_without_match_says_so(client: Any, registry: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"q": "qwertyuiop"})
    assert result_names(response) == []
    assert "Nothing found" in text(response)


def test_each_result_explains_why(client: Any, registry: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"q": "vonk", "kind": "company", "province": "PV30"})
    assert result_names(response) == ["Metaalbedrijf De Vonk"]
    page = text(response)
    assert "Why this result:" in page
    assert "name contains “vonk”" in page
    assert "kind: Company" in page
    assert "in province Noord-Brabant" in page


def test_theme_reason_is_given(client: Any, registry: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"q": "metaalbewerking"})
    assert "Metaalbedrijf De Vonk" in result_names(response)
    assert "works on theme Manufacturing & metalworking" in text(response)


# --- filters -----------------------------------------------------------------------------------


def test_theme_filter_includes_narrower_themes(client: Any, more: dict[str, Any]) -> None:
    """htsm > maakindustrie > smart_industry."""
    names = search(client, theme="htsm")
    assert set(names) == {"Koning Willem I College", "Metaalbedrijf De Vonk", "Robotwerk Twente"}
    assert search(client, theme="smart_industry") == ["Robotwerk Twente"]
    assert search(client, what="partnerships", theme="htsm") == ["Technohub Maasland"]


def test_theme_filter_names_the_theme(client: Any, registry: dict[str, Any]) -> None:
    response = client.get(DIRECTORY, {"theme": "htsm"})
    assert "theme High Tech Systems & Materials" in text(response)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"province": "PV30"},
            {"Koning Willem I College", "Metaalbedrijf De Vonk", "Data & Zo", "Gemeente Oss"},
        ),
        ({"province": "PV21"}, {"Kenniscentrum Fryslân"}),
        ({"municipality": "GM0828"}, {"Metaalbedrijf De Vonk", "Gemeente Oss"}),
        ({"region": "AM27"}, {"Koning Willem I College", "Metaalbedrijf De Vonk", "Gemeente Oss"}),
        ({"region": "AM28"}, {"Data & Zo"}),
        ({"kind": "school_mbo"}, {"Koning Willem I College"}),
        ({"kind": "company", "province": "PV30"}, {"Metaalbedrijf De Vonk", "Data & Zo"}),
        ({"what": "partnerships", "kind": "technohub"}, {"Technohub Maasland"}),
        ({"what": "partnerships", "municipality": "GM0772"}, {"Learning Community Data"}),
    ],
)
def test_filters(
    client: Any, more: dict[str, Any], params: dict[str, str], expected: set[str]
) -> None:
    names = search(client, **params)
    assert set(names) == expected
    assert len(names) == len(expected), "no duplicates"


def test_sort_by_name(client: Any, registry: dict[str, Any]) -> None:
    for name in ["Testorg B", "Testorg C", "Testorg A"]:
        services.organisation_create(actor=None, kind="other", name=name)
    assert search(client, q="testorg", sort="name") == ["Testorg A", "Testorg B", "Testorg C"]
    assert search(client, q="testorg", sort="-name") == ["Testorg C", "Testorg B", "Testorg A"]


def test_pagination(client: Any, registry: dict[str, Any]) -> None:
    for i in range(1, 26):
        services.organisation_create(actor=None, kind="other", name=f"Testorg {i:02d}")
    first = client.get(DIRECTORY, {"q": "testorg", "sort": "name"})
    assert len(result_names(first)) == 20
    assert "25 results" in text(first)
    assert "Page 1 of 2" in text(first)
    second = search(client, q="testorg", sort="name", page="2")
    assert second == [f"Testorg {i:02d}" for i in range(21, 26)]
    # The pager keeps the query in its links.
    assert "q=testorg" in re.search(r'<a rel="next" href="([^"]*)"', first.content.decode())[1]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "zzz"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"sort": "xx"},
        {"q": "stage " * 2000},
        {"q": "x" * 5000},
        {"theme": "no-such-theme"},
        {"province": "zzz"},
        {"region": "x" * 500},
        {"municipality": "'; DROP TABLE registry_organisation; --"},
        {"what": "zzz"},
        {"q": "nul\x00byte"},
        {"province": "PV\x0030"},
        {"q": "%_\\"},
    ],
)
def test_junk_parameters_do_not_break_the_page(
    client: Any, registry: dict[str, Any], params: dict[str, str]
) -> None:
    response = client.get(DIRECTORY, params)
    assert response.status_code == 200
    assert 'id="results"' in response.content.decode()
    assert Organisation.objects.filter(name="Gemeente Oss").exists()


def test_htmx_request_gets_only_the_results(client: Any, registry: dict[str, Any]) -> None:
    headers = {"HX-Request": "true", "HX-Target": "results"}
    response = client.get(DIRECTORY, {"q": "vonk"}, headers=headers)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "<form" not in body
    assert body.lstrip().startswith('<section id="results"')
    assert result_names(response) == ["Metaalbedrijf De Vonk"]
    full = client.get(DIRECTORY, {"q": "vonk"}).content.decode()
    assert "<html" in full and 'id="results"' in full


# --- detail pages ------------------------------------------------------------------------------


def jsonld_of(response: Any) -> Any:
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the page has a JSON-LD block"
    return json.loads(match[1])


def test_organisation_page_has_parseable_jsonld(client: Any, registry: dict[str, Any]) -> None:
    data = jsonld_of(client.get(registry["company"].get_absolute_url()))
    assert data["@type"] == "Corporation"
    assert data["name"] == "Metaalbedrijf De Vonk"
    assert data["identifier"]["value"] == "12345678"
    assert data["memberOf"][0]["name"] == "Technohub Maasland"


def test_partnership_page_has_parseable_jsonld(client: Any, registry: dict[str, Any]) -> None:
    data = jsonld_of(client.get(registry["hub"].get_absolute_url()))
    assert data["@type"] == "Project"
    assert data["foundingDate"] == "2022"
    assert {m["name"] for m in data["member"]} == {
        "Koning Willem I College",
        "Metaalbedrijf De Vonk",
        "Gemeente Oss",
    }
    assert data["funder"] == [{"@type": "Organization", "name": "Gemeente Oss"}]


@pytest.mark.parametrize(
    "url",
    ["/organisaties/999999/", "/partnerschappen/999999/", "/personen/999999/", "/bestaat-niet/"],
)
def test_unknown_pages_give_the_friendly_404(
    client: Any, registry: dict[str, Any], url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 404
    page = text(response)
    assert "Page not found" in page
    assert "Search the directory" in page


# --- a constant number of queries ----------------------------------------------------------------


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow_organisation(registry: dict[str, Any], extra: list[Organisation]) -> None:
    """The company: 1 -> 9 partnerships, 1 -> 6 themes, 2 -> 10 people."""
    company = registry["company"]
    themes = list(Theme.objects.order_by("code")[:5])
    services.organisation_update(
        actor=None, organisation=company, themes=[*company.themes.all(), *themes]
    )
    for i, org in enumerate(extra):
        ps = services.partnership_create(
            actor=None, kind="hub", name=f"Hub {i}", city="Oss", themes=themes[:2]
        )
        services.membership_set(actor=None, partnership=ps, organisation=company)
        services.membership_set(actor=None, partnership=ps, organisation=org, role="lead")
        services.person_create(
            actor=None,
            name=f"Persoon {i}",
            organisation=company,
            email=f"p{i}@example.nl",
            is_public=i % 2 == 0,
        )


def _grow_partnership(registry: dict[str, Any], extra: list[Organisation]) -> None:
    """The hub: 3 -> 11 members, 1 -> 6 themes, 1 -> 9 contacts."""
    hub = registry["hub"]
    themes = list(Theme.objects.order_by("code")[:5])
    services.partnership_update(actor=None, partnership=hub, themes=[*hub.themes.all(), *themes])
    for i, org in enumerate(extra):
        services.membership_set(actor=None, partnership=hub, organisation=org)
        person = services.person_create(
            actor=None,
            name=f"Contact {i}",
            organisation=org,
            email=f"c{i}@example.nl",
            is_public=True,
        )
        services.partnership_contact_set(actor=None, partnership=hub, person=person, role="x")


@pytest.mark.parametrize("role", ["anonymous", "editor", "lead_editor", "staff"])
@pytest.mark.parametrize("page", ["organisation", "partnership"])
def test_detail_pages_use_a_constant_number_of_queries(
    client: Any, registry: dict[str, Any], request: Any, role: str, page: str
) -> None:
    extra = [
        services.organisation_create(
            actor=None,
            kind="company",
            name=f"Extra {i}",
            city="Oss",
            themes=list(Theme.objects.order_by("code")[:3]),
        )
        for i in range(8)
    ]
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    target = registry["company"] if page == "organisation" else registry["hub"]
    url = target.get_absolute_url()
    client.get(url)  # warm caches (content types, sessions)
    small = _queries(client, url)
    (_grow_organisation if page == "organisation" else _grow_partnership)(registry, extra)
    big = _queries(client, url)
    assert big == small, f"{page} page as {role}: {small} queries before, {big} after growing"
    grown = text(client.get(url))
    assert ("Hub 7" if page == "organisation" else "Extra 7") in grown, "the page did grow"


def test_directory_uses_a_constant_number_of_queries(client: Any, registry: dict[str, Any]) -> None:
    maak = Theme.objects.get(code="maakindustrie")
    small = _queries(client, DIRECTORY + "?q=oss")
    for i in range(15):
        services.organisation_create(
            actor=None, kind="company", name=f"Oss {i}", themes=[maak], city="Oss"
        )
    assert _queries(client, DIRECTORY + "?q=oss") == small
    small = _queries(client, DIRECTORY + "?what=partnerships")
    for i in range(10):
        services.partnership_create(
            actor=None, kind="hub", name=f"Hub {i}", themes=[maak], city="Oss"
        )
    assert _queries(client, DIRECTORY + "?what=partnerships") == small


# --- the region page -----------------------------------------------------------------------------


def region_row(response: Any, name: str) -> tuple[str, int, int]:
    match = re.search(
        rf'<th scope="row"><a href="([^"]*)">{re.escape(name)}</a></th>'
        r'<td class="num">([\d.,]+)</td><td class="num">([\d.,]+)</td>',
        response.content.decode(),
    )
    assert match, f"no table row for {name}"
    return html.unescape(match[1]), int(match[2]), int(match[3])


def test_region_page_counts_per_province_and_links_into_the_directory(
    client: Any, more: dict[str, Any]
) -> None:
    response = client.get(reverse("registry:region"))
    assert response.status_code == 200
    url, organisations, partnerships = region_row(response, "Noord-Brabant")
    assert (organisations, partnerships) == (4, 2)
    assert url == "/?what=organisations&province=PV30"
    assert region_row(response, "Fryslân")[1:] == (1, 0)
    assert region_row(response, "Zeeland")[1:] == (0, 0)
    # The link leads to exactly the organisations counted.
    assert len(search(client, what="organisations", province="PV30")) == 4
    # The map links there too.
    assert 'href="/?what=organisations&amp;province=PV30"' in response.content.decode()


def test_region_page_per_labour_market_region_for_partnerships(
    client: Any, registry: dict[str, Any]
) -> None:
    response = client.get(reverse("registry:region"), {"what": "partnerships", "level": "region"})
    url, organisations, partnerships = region_row(response, "Noordoost-Brabant")
    assert (organisations, partnerships) == (3, 1)
    assert url == "/?what=partnerships&region=AM27"
    assert search(client, what="partnerships", region="AM27") == ["Technohub Maasland"]


# --- personal data ---------------------------------------------------------------------

PERSONAL = ["petra@example.nl", "06-11112222", "olaf@example.nl", "06-33334444"]


def test_anonymous_sees_public_names_but_no_personal_data(
    client: Any, registry: dict[str, Any]
) -> None:
    page = text(client.get(registry["company"].get_absolute_url()))
    assert "Openbare Olaf" in page
    assert "Petra" not in page
    for value in PERSONAL:
        assert value not in page, value
    hub_page = text(client.get(registry["hub"].get_absolute_url()))
    assert "Openbare Olaf" in hub_page
    assert "olaf@example.nl" not in hub_page
    person_page = text(client.get(registry["public"].get_absolute_url()))
    assert "olaf@example.nl" not in person_page and "06-33334444" not in person_page
    assert client.get(registry["private"].get_absolute_url()).status_code == 404


def test_company_editor_sees_both_emails(
    client: Any, registry: dict[str, Any], editor: User
) -> None:
    client.force_login(editor)
    page = text(client.get(registry["company"].get_absolute_url()))
    assert "Petra Privé" in page
    for value in PERSONAL:
        assert value in page, value


def test_other_company_editor_sees_no_personal_data(client: Any, registry: dict[str, Any]) -> None:
    other_editor = User.objects.create_user("data@example.nl", "x-pass-12345", full_name="Do")
    editorship_grant(actor=None, user=other_editor, organisation=registry["other"])
    client.force_login(other_editor)
    page = text(client.get(registry["company"].get_absolute_url()))
    assert "Openbare Olaf" in page
    assert "Petra" not in page
    for value in PERSONAL:
        assert value not in page, value
    # ...but it does see its own people's details.
    own = text(client.get(registry["other"].get_absolute_url()))
    assert "dirk@example.nl" in own


def test_lead_editor_sees_no_emails_of_a_partner_companys_people(
    client: Any, registry: dict[str, Any], lead_editor: User
) -> None:
    client.force_login(lead_editor)
    page = text(client.get(registry["hub"].get_absolute_url()))
    assert "Openbare Olaf" in page
    assert "olaf@example.nl" not in page
    assert "Petra" not in page, "not offered as contact candidate either"
