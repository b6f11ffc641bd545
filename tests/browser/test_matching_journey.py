"""Matching in chromium: a municipality finds a school, asks for an introduction, the school
accepts, and both then see each other's contact details."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from knooppunt.accounts.models import User
from knooppunt.accounts.services import editorship_grant
from knooppunt.matching.models import Introduction, IntroductionStatus
from knooppunt.registry import services as registry_services
from knooppunt.registry.models import Theme

pytestmark = pytest.mark.browser

SCHOOL_EDITOR = "school@example.nl"
GEMEENTE_EDITOR = "wethouder@example.nl"


def test_municipality_finds_a_school_and_gets_introduced(
    browser: Any,
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    lead_editor: User,
    login: Any,
    page_errors: list[str],
    screenshot_dir: Path,
) -> None:
    from tests.conftest import PASSWORD

    gemeente_user = User.objects.create_user(GEMEENTE_EDITOR, PASSWORD, full_name="Wim Wethouder")
    editorship_grant(actor=None, user=gemeente_user, organisation=registry["gemeente"])
    # A school the municipality does not work with yet (the registry's school already is a
    # partner of the municipality, in Technohub Maasland, and is therefore never suggested).
    school = registry_services.organisation_create(
        actor=None,
        kind="school_mbo",
        name="Technisch College Maasland",
        city="Oss",
        themes=[Theme.objects.get(code="maakindustrie")],
    )
    editorship_grant(actor=None, user=lead_editor, organisation=school)

    # --- the municipality asks ---
    login(page, GEMEENTE_EDITOR)
    page.goto(live_server.url + "/vind-een-partner/")
    page.select_option("#id_organisation", str(registry["gemeente"].pk))
    page.locator('input[name="kinds"][value="school_mbo"]').check()
    page.fill("#id_q", "techniek")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    suggested = page.locator("li.suggestion h3 a").all_inner_texts()
    assert registry["school"].name not in suggested, "existing partners are never suggested"
    hit = page.locator("li.suggestion").filter(
        has=page.get_by_role("link", name=school.name, exact=True)
    )
    expect(hit).to_have_count(1)
    expect(hit.locator(".why-list li").first).not_to_be_empty()
    expect(page.locator(".match-map svg .map-dot")).not_to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "find_partner.png"), full_page=True)

    with page.expect_navigation():
        hit.locator("a.button").click()
    expect(page.locator("#id_requester")).to_have_value(str(registry["gemeente"].pk))
    page.fill("#id_message", "Wij willen een technohub starten. Doet u mee?")
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".messages .message-success")).to_have_count(1)
    introduction = Introduction.objects.get()
    assert introduction.requester == registry["gemeente"] and introduction.target == school
    detail_url = live_server.url + introduction.get_absolute_url()
    expect(page).to_have_url(detail_url)
    expect(page.locator(".contact-details")).to_have_count(0)  # not before acceptance
    expect(page.locator("main")).not_to_contain_text(SCHOOL_EDITOR)

    # --- the school's editor accepts, in a browser of their own ---
    context = browser.new_context(locale="nl-NL")
    school_page = context.new_page()
    try:
        login(school_page, SCHOOL_EDITOR)
        school_page.goto(live_server.url + "/introducties/")
        with school_page.expect_navigation():
            school_page.get_by_role("link", name=f"Gemeente Oss → {school.name}").click()
        expect(school_page.locator("main")).not_to_contain_text(GEMEENTE_EDITOR)
        school_page.locator('input[name="accept"][value="yes"]').check()
        school_page.fill("#id_response", "Graag, bel ons.")
        with school_page.expect_navigation():
            school_page.locator("main form.stacked button[type=submit]").click()
        expect(school_page.locator(".contact-details")).to_contain_text(GEMEENTE_EDITOR)
    finally:
        context.close()

    introduction.refresh_from_db()
    assert introduction.status == IntroductionStatus.ACCEPTED

    # --- and the municipality now sees the school's contact ---
    page.reload()
    expect(page.locator(".contact-details")).to_contain_text(SCHOOL_EDITOR)
    expect(page.locator("main")).to_contain_text("Graag, bel ons.")
    assert page_errors == [], f"console errors: {page_errors}"
