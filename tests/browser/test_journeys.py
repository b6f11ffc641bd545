"""End-to-end journeys through the real UI in chromium: search, editing, language, screenshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from knooppunt.core.audit import history_for
from knooppunt.registry.models import Organisation

pytestmark = pytest.mark.browser

COMPANY = "Metaalbedrijf De Vonk"
EDITOR_EMAIL = "redacteur@example.nl"


def _result(page: Any, name: str) -> Any:
    """The result list item whose title link is exactly `name`."""
    link = page.get_by_role("link", name=name, exact=True)
    return page.locator("#results li.result").filter(has=link)


def _assert_vonk_results(page: Any) -> None:
    results = page.locator("#results li.result")
    hit = _result(page, COMPANY)
    expect(hit).to_have_count(1)
    # The search narrowed the list: the unfiltered directory also lists the other companies.
    expect(results).to_have_count(1)
    # "Why this result" line: only rendered when there are search reasons.
    why = hit.locator("p.why")
    expect(why).to_be_visible()
    expect(why.locator(".why-label")).not_to_be_empty()
    expect(why).to_contain_text("vonk")


def test_search_to_detail(
    page: Any, live_server: Any, registry: dict[str, Any], page_errors: list[str]
) -> None:
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(_result(page, "Data & Zo")).to_have_count(1)  # unfiltered list before searching

    search = page.locator("#id_q")
    search.press_sequentially("vonk")
    search.press("Enter")

    _assert_vonk_results(page)
    expect(page).to_have_url(re.compile(r"[?&]q=vonk(&|$)"))  # htmx pushes the search URL

    _result(page, COMPANY).get_by_role("link", name=COMPANY, exact=True).click()

    company: Organisation = registry["company"]
    expect(page).to_have_url(live_server.url + company.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(COMPANY)
    ld = page.locator('head script[type="application/ld+json"]')
    expect(ld).to_have_count(1)
    data = json.loads(ld.text_content() or "")
    assert data["@context"] == "https://schema.org"
    assert data["name"] == COMPANY
    assert data["@id"].endswith(company.get_absolute_url())
    assert page_errors == [], f"console errors: {page_errors}"


def test_search_works_without_javascript(
    nojs_page: Any, live_server: Any, registry: dict[str, Any]
) -> None:
    page = nojs_page
    page.goto(live_server.url + "/")
    page.locator("#id_q").fill("vonk")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert re.search(r"[?&]q=vonk(&|$)", page.url), page.url
    _assert_vonk_results(page)

    # Pressing Enter in the search box submits the plain GET form as well.
    page.goto(live_server.url + "/")
    page.locator("#id_q").fill("vonk")
    with page.expect_navigation():
        page.locator("#id_q").press("Enter")
    _assert_vonk_results(page)


def test_editor_edits_own_organisation_and_sees_history(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
    page_errors: list[str],
) -> None:
    company: Organisation = registry["company"]
    login(page, EDITOR_EMAIL)

    page.goto(live_server.url + company.get_absolute_url())
    edit_url = live_server.url + f"/organisaties/{company.pk}/bewerken/"
    edit_link = page.locator(f'.title-actions a[href="/organisaties/{company.pk}/bewerken/"]')
    expect(edit_link).to_have_count(1)
    edit_link.click()
    expect(page).to_have_url(edit_url)

    new_description = "Lasopleidingen en stages voor mbo-studenten, vernieuwd in de browsertest."
    page.locator("#id_description").fill(new_description)
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()

    expect(page).to_have_url(live_server.url + company.get_absolute_url())
    expect(page.locator(".messages .message-success")).to_have_count(1)
    expect(page.locator(".messages .message-success")).not_to_be_empty()
    expect(page.locator("#about-heading + p.prose")).to_have_text(new_description)

    history = page.locator("section.history")
    expect(history.locator("#history-heading")).to_be_visible()
    updated = history.locator(".history-list > li").filter(
        has=page.locator("code", has_text=re.compile(r"^registry\.organisation\.updated$"))
    )
    expect(updated).to_have_count(1)
    expect(updated.locator("dl.changes dt", has_text=re.compile(r"^description$"))).to_have_count(1)
    expect(updated).to_contain_text("Eva Editor")  # the actor is named

    company.refresh_from_db()
    assert company.description == new_description
    assert page_errors == [], f"console errors: {page_errors}"


def test_edit_form_shows_field_error_and_saves_nothing(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
) -> None:
    company: Organisation = registry["company"]
    before = Organisation.objects.get(pk=company.pk)
    entries_before = len(list(history_for(company)))
    login(page, EDITOR_EMAIL)

    edit_url = live_server.url + f"/organisaties/{company.pk}/bewerken/"
    page.goto(edit_url)
    page.locator("#id_website").fill("geen url")
    page.locator("#id_description").fill("Deze wijziging mag niet worden opgeslagen.")
    with page.expect_navigation() as navigation:
        page.locator("main form.stacked button[type=submit]").click()
    assert navigation.value.status == 400

    expect(page).to_have_url(edit_url)
    expect(page.locator("p.form-errors[role=alert]")).to_have_count(1)
    field = page.locator(".field.field-invalid").filter(has=page.locator("#id_website"))
    expect(field).to_have_count(1)
    expect(field.locator(".errors[role=alert] p")).not_to_be_empty()
    expect(page.locator(".field-invalid")).to_have_count(1)  # only the website is wrong
    expect(page.locator("#id_website")).to_have_value("geen url")  # the input is kept
    expect(page.locator(".messages .message-success")).to_have_count(0)

    after = Organisation.objects.get(pk=company.pk)
    assert (after.website, after.description) == (before.website, before.description)
    assert len(list(history_for(company))) == entries_before


def test_language_switch(page: Any, live_server: Any, registry: dict[str, Any]) -> None:
    html = page.locator("html")
    directory_link = page.locator('nav.main-nav a[href="/"]')

    page.goto(live_server.url + "/?q=vonk")
    expect(html).to_have_attribute("lang", "nl")
    dutch_nav = directory_link.inner_text().strip()

    with page.expect_navigation():
        page.get_by_role("button", name="English", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    expect(directory_link).to_have_text("Directory")
    assert page.url.endswith("/?q=vonk"), "the switch returns to the same page"
    assert dutch_nav != "Directory", (
        f"Dutch navigation reads {dutch_nav!r}, the same as English: "
        "are the Dutch translations compiled (knooppunt/locale/nl/LC_MESSAGES/django.mo)?"
    )

    with page.expect_navigation():
        page.get_by_role("button", name="Nederlands", exact=True).click()
    expect(html).to_have_attribute("lang", "nl")
    expect(directory_link).to_have_text(dutch_nav)
    expect(page.get_by_role("button", name="English", exact=True)).to_be_visible()


def _shoot(page: Any, directory: Path, name: str) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


def test_screenshots(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
    screenshot_dir: Path,
) -> None:
    """Full-page PNGs of the main pages in docs/screenshots/ (kept as CI artefacts)."""
    base = live_server.url
    shots = [
        ("directory", "/?q=oss"),
        ("organisation_detail", registry["company"].get_absolute_url()),
        ("partnership_detail", registry["hub"].get_absolute_url()),
        ("region", "/regio/"),
        ("login", "/account/inloggen/"),
    ]
    for name, url in shots:
        response = page.goto(base + url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        _shoot(page, screenshot_dir, name)

    login(page, EDITOR_EMAIL)
    page.goto(base + f"/organisaties/{registry['company'].pk}/bewerken/")
    expect(page.locator("#id_description")).to_be_visible()
    _shoot(page, screenshot_dir, "organisation_edit")


def test_edit_keeps_the_municipality(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
) -> None:
    company: Organisation = registry["company"]
    assert company.municipality is not None
    municipality = company.municipality
    login(page, EDITOR_EMAIL)
    page.goto(live_server.url + f"/organisaties/{company.pk}/bewerken/")
    page.locator("#id_description").fill("Alleen de beschrijving verandert.")
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()

    updated = page.locator("section.history .history-list > li").filter(
        has=page.locator("code", has_text=re.compile(r"^registry\.organisation\.updated$"))
    )
    changed = updated.locator("dl.changes dt").all_inner_texts()
    company.refresh_from_db()
    assert (company.municipality_id, changed) == (municipality.pk, ["description"])


def test_history_shows_a_cleared_value_readably(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
) -> None:
    from knooppunt.registry import services

    company: Organisation = registry["company"]
    services.organisation_update(actor=editor, organisation=company, municipality=None)
    login(page, EDITOR_EMAIL)
    page.goto(live_server.url + company.get_absolute_url())
    entry = page.locator("section.history .history-list > li").filter(
        has=page.locator("code", has_text=re.compile(r"^registry\.organisation\.updated$"))
    )
    expect(entry).to_have_count(1)
    dd = entry.locator('dl.changes dt:text-is("municipality") + dd')
    expect(dd).to_have_count(1)
    value = dd.inner_text().strip()
    assert "[" not in value and "None" not in value, value
    assert value.startswith("Oss"), value
