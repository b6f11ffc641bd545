"""In chromium: a partner abroad shows its country; staff fix places from the list of
organisations without a municipality."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from knooppunt.places.models import Municipality
from knooppunt.registry import services
from knooppunt.registry.models import Organisation
from tests.browser.test_accessibility import axe, check  # noqa: F401 - `axe` is a fixture

pytestmark = pytest.mark.browser

STAFF_EMAIL = "staf@example.nl"


def _save(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()


def test_staff_fix_places_from_the_list(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    staff: Any,
    login: Any,
    page_errors: list[str],
    axe: Any,  # noqa: F811 - the fixture imported above
) -> None:
    velp = services.organisation_create(
        actor=None, kind="company", name="Velpse Techniek", city="Velp"
    )
    aachen = services.organisation_create(
        actor=None, kind="school_wo", name="Hochschule Dreiländereck", city="Aachen"
    )
    login(page, STAFF_EMAIL)

    # The list (Dutch, the default) names both, with why and a link to edit.
    page.goto(live_server.url + "/beheer/zonder-gemeente/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zonder gemeente")
    rows = page.locator("table.unplaced-table tbody tr")
    expect(rows).to_have_count(2)
    velp_row = rows.filter(has_text="Velpse Techniek")
    expect(velp_row).to_contain_text("Land van Cuijk, Rheden")
    check(axe, page, "unplaced (staff)")

    # Velp: choose the municipality.
    velp_row.get_by_role("link", name="Bewerken").click()
    page.select_option("#id_municipality", label="Rheden")
    _save(page)
    expect(page.locator(".messages .message-success")).to_have_count(1)
    expect(page.locator("p.meta").first).to_contain_text("Velp, Gelderland")

    # Aachen: it is abroad; give the country.
    page.goto(live_server.url + "/beheer/zonder-gemeente/")
    expect(rows).to_have_count(1)
    rows.filter(has_text="Hochschule").get_by_role("link", name="Bewerken").click()
    page.select_option("#id_country", "DE")
    _save(page)
    expect(page.locator("p.meta").first).to_contain_text("Aachen, Duitsland")
    expect(page.locator("aside.facts")).to_contain_text("Duitsland")

    page.goto(live_server.url + "/beheer/zonder-gemeente/")
    expect(page.locator("p.empty")).to_be_visible()
    page.select_option("#id_scope", "abroad")
    with page.expect_navigation():
        page.get_by_role("button", name="Zoeken").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Duitsland")

    velp.refresh_from_db()
    aachen = Organisation.objects.get(pk=aachen.pk)
    assert velp.municipality == Municipality.objects.get(name="Rheden")
    assert (aachen.country, aachen.city, aachen.municipality) == ("DE", "Aachen", None)
    assert page_errors == [], f"console errors: {page_errors}"
