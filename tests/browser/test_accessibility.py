"""axe-core checks of the public pages in chromium: no serious or critical violations."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}

# name -> URL path, given the `registry` fixture's objects
PAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "directory": lambda reg: "/?q=oss",
    "organisation_detail": lambda reg: reg["company"].get_absolute_url(),
    "partnership_detail": lambda reg: reg["hub"].get_absolute_url(),
    "region": lambda reg: "/regio/",
    "find_partner": lambda reg: "/vind-een-partner/?q=metaal&municipality=GM0828&kinds=company",
    "guides": lambda reg: "/gidsen/",
    "login": lambda reg: "/account/inloggen/",
}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def describe(violations: list[dict[str, Any]]) -> str:
    """One block per violation: id, impact, help, and each node's target selector."""
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v.get('helpUrl', '')})")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node.get('html', '').strip()[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      why:  {summary[:300]}")
    return "\n".join(lines)


def check(axe: Axe, page: Any, label: str) -> None:
    results = axe.run(page)
    violations = results.response["violations"]
    if violations:
        # Printed for every run (visible with -s or in the failure's captured stdout).
        print(f"\naxe on {label} ({page.url}): {len(violations)} violation(s)")
        print(describe(violations))
    blocking = [v for v in violations if v.get("impact") in BLOCKING]
    assert not blocking, (
        f"serious/critical accessibility violations on {label} ({page.url}):\n" + describe(blocking)
    )


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_violations(
    name: str, page: Any, live_server: Any, registry: dict[str, Any], axe: Axe
) -> None:
    response = page.goto(live_server.url + PAGES[name](registry))
    assert response is not None and response.ok
    if name == "directory":
        expect(page.locator("#results li.result").first).to_be_visible()  # with results
    check(axe, page, name)


def test_axe_reports_a_planted_violation(page: Any, live_server: Any, axe: Axe) -> None:
    """Guards the harness: axe really runs under the product's CSP and reports problems."""
    response = page.goto(live_server.url + "/account/inloggen/")
    assert response is not None and response.ok
    assert axe.run(page).response["testEngine"]["name"] == "axe-core"
    page.evaluate(
        """() => {
            const input = document.createElement('input');
            input.type = 'text';
            input.id = 'planted-unlabelled';
            document.querySelector('main').append(input);
        }"""
    )
    ids = {
        v["id"]: [" ".join(map(str, n["target"])) for n in v["nodes"]]
        for v in axe.run(page).response["violations"]
    }
    assert "label" in ids, ids
    assert ids["label"] == ["#planted-unlabelled"]


def test_editor_pages_have_no_serious_violations(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    lead_editor: Any,
    login: Any,
    axe: Axe,
) -> None:
    """The editing UI: partnership detail with its member/contact forms open, a form error."""
    login(page, "school@example.nl")
    page.goto(live_server.url + registry["hub"].get_absolute_url())
    for summary in page.locator("details > summary").all():
        summary.click()
    check(axe, page, "partnership_detail (lead editor, forms open)")

    page.goto(live_server.url + f"/organisaties/{registry['school'].pk}/bewerken/")
    page.locator("#id_website").fill("geen url")
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()
    expect(page.locator(".field-invalid .errors")).to_be_visible()
    check(axe, page, "organisation_edit with a field error")


DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


def test_partnership_detail_for_editor_has_unique_ids(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    lead_editor: Any,
    login: Any,
) -> None:
    login(page, "school@example.nl")
    page.goto(live_server.url + registry["hub"].get_absolute_url())
    assert page.evaluate(DUPLICATE_IDS) == []


BROKEN_DESCRIBEDBY = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('[aria-describedby]')) {
    for (const id of el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) broken.push(`#${el.id} -> #${id}`);
    }
  }
  return broken;
}"""


def test_field_error_is_announced_with_its_input(
    page: Any,
    live_server: Any,
    registry: dict[str, Any],
    editor: Any,
    login: Any,
) -> None:
    login(page, "redacteur@example.nl")
    page.goto(live_server.url + f"/organisaties/{registry['company'].pk}/bewerken/")
    page.locator("#id_website").fill("geen url")
    with page.expect_navigation():
        page.locator("main form.stacked button[type=submit]").click()
    website = page.locator("#id_website")
    expect(website).to_have_attribute("aria-invalid", "true")
    assert page.evaluate(BROKEN_DESCRIBEDBY) == []
    error_text = page.locator(".field-invalid .errors").inner_text().strip()
    expect(website).to_have_accessible_description(re.compile(re.escape(error_text)))
