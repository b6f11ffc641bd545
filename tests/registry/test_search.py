"""The directory's full-text index (registry/search.py) on the database under test.

Runs on SQLite (FTS5 + triggers) and on PostgreSQL (generated tsvector + GIN)
alike: every assertion goes through `queries.directory_page`, the function the
directory and the API use.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knooppunt.core.text import index_terms
from knooppunt.places.models import Municipality
from knooppunt.registry import search, services
from knooppunt.registry.models import Organisation, Partnership, Theme
from knooppunt.registry.queries import DirectoryFilters, directory_page


def names(filters: DirectoryFilters, **kwargs: Any) -> list[str]:
    return [o.name for o in directory_page(None, filters, **kwargs).objects]


def org_filters(**kwargs: Any) -> DirectoryFilters:
    return DirectoryFilters(what="organisations", **kwargs)


# --- the index follows every write -----------------------------------------------------------


def test_created_renamed_and_deleted_organisations_are_found_as_they_are(reference: None) -> None:
    org = services.organisation_create(
        actor=None, kind="company", name="Zeilmakerij Albatros", city="Harlingen"
    )
    assert names(org_filters(q="zeilmakerij")) == ["Zeilmakerij Albatros"]
    assert names(org_filters(q="albatros harlingen")) == ["Zeilmakerij Albatros"]

    services.organisation_update(actor=None, organisation=org, name="Touwslagerij Condor")
    assert names(org_filters(q="zeilmakerij")) == []
    assert names(org_filters(q="touwslagerij")) == ["Touwslagerij Condor"]

    services.organisation_delete(actor=None, organisation=org)
    assert names(org_filters(q="touwslagerij")) == []


def test_a_member_joining_makes_the_partnership_findable_by_its_name(
    registry: dict[str, Any],
) -> None:
    filters = DirectoryFilters(what="partnerships", q="gemeente oss")
    assert [p.name for p in directory_page(None, filters).objects] == ["Technohub Maasland"]
    filters = DirectoryFilters(what="partnerships", q="data zo")
    assert [p.name for p in directory_page(None, filters).objects] == ["Learning Community Data"]
    services.membership_set(
        actor=None,
        partnership=registry["hub"],
        organisation=registry["other"],
        role="partner",
    )
    found = {p.name for p in directory_page(None, filters).objects}
    assert found == {"Learning Community Data", "Technohub Maasland"}


def test_word_forms_and_accents_match(reference: None) -> None:
    services.organisation_create(
        actor=None, kind="company", name="Café Bedrijven Coöperatie", city="Zwolle"
    )
    for query in ("cafe", "CAFÉ", "bedrijf", "bedrijven", "cooperatie", "coöp"):
        assert names(org_filters(q=query)) == ["Café Bedrijven Coöperatie"], query


def test_words_match_at_word_starts_only(reference: None) -> None:
    services.organisation_create(actor=None, kind="company", name="Grootmetaal Noord")
    assert names(org_filters(q="groot")) == ["Grootmetaal Noord"]
    assert names(org_filters(q="metaal")) == []


def test_a_typed_word_never_matches_a_filter_tag(reference: None) -> None:
    # Every company carries the facet `_k_company`; typing "company" must not find them.
    services.organisation_create(actor=None, kind="company", name="Bakkerij Van Dam", city="Edam")
    assert names(org_filters(q="bakkerij")) == ["Bakkerij Van Dam"]
    for query in ("company", "k company", "_k_company", "gm0385", "pv27"):
        assert names(org_filters(q=query)) == [], query


# --- filters through the index equal filters through the ORM -------------------------------


def test_text_plus_filters_equal_the_orm_filters(registry: dict[str, Any]) -> None:
    rng = random.Random(4)  # noqa: S311 - test data
    municipalities = list(Municipality.objects.select_related("province", "labour_market_region"))
    themes = list(Theme.objects.all())
    kinds = ["company", "school_mbo", "municipality"]
    for i in range(40):
        m = rng.choice(municipalities)
        services.organisation_create(
            actor=None,
            kind=rng.choice(kinds),
            name=f"Werkplaats {i}",
            municipality=m,
            city=m.name,
            themes=rng.sample(themes, 2),
        )
    everything = list(
        Organisation.objects.filter(name__startswith="Werkplaats").select_related(
            "municipality__province", "municipality__labour_market_region"
        )
    )
    parent = Theme.objects.filter(children__isnull=False).first()
    theme_codes = [t.code for t in themes[:3]] + ([parent.code] if parent else [])
    cases = 0
    for _ in range(60):
        o = rng.choice(everything)
        m = o.municipality
        assert m is not None
        pick = rng.sample(["kind", "theme", "municipality", "region", "province"], 2)
        kwargs: dict[str, str] = {}
        if "kind" in pick:
            kwargs["kind"] = o.kind
        if "theme" in pick:
            kwargs["theme"] = rng.choice(theme_codes)
        if "municipality" in pick:
            kwargs["municipality"] = m.code
        if "region" in pick:
            kwargs["region"] = m.labour_market_region.code
        if "province" in pick:
            kwargs["province"] = m.province.code
        with_text = directory_page(None, org_filters(q="werkplaats", **kwargs), per_page=100)
        # The same filters without a text take the plain ORM path.
        filtered_by_orm = directory_page(None, org_filters(**kwargs), per_page=1000).objects
        expected = {x.pk for x in filtered_by_orm if x.name.startswith("Werkplaats")}
        assert {x.pk for x in with_text.objects} == expected, kwargs
        assert with_text.count == len(expected)
        cases += bool(expected)
    assert cases > 20  # most combinations found something: the comparison was not vacuous


def test_an_unknown_theme_finds_nothing(registry: dict[str, Any]) -> None:
    assert names(org_filters(q="oss", theme="no-such-theme")) == []


# --- ranking, counting, paging ---------------------------------------------------------------


def test_a_word_in_the_name_ranks_above_the_same_word_elsewhere(reference: None) -> None:
    services.organisation_create(
        actor=None,
        kind="company",
        name="Aannemer Aarts",
        description="Wij bouwen scholen; ook zonnepanelen op daken.",
    )
    services.organisation_create(actor=None, kind="company", name="Zonnepanelen Zuid")
    assert names(org_filters(q="zonnepanelen")) == ["Zonnepanelen Zuid", "Aannemer Aarts"]


def _name_and_text_hits() -> tuple[list[int], list[int]]:
    """4 organisations with "houtbewerking" in the name, 13 with it in the description."""
    in_name, in_text = [], []
    for i in range(17):
        if i % 4 == 1:
            org = services.organisation_create(
                actor=None, kind="company", name=f"Houtbewerking {i:02d}"
            )
            in_name.append(org.pk)
        else:
            org = services.organisation_create(
                actor=None,
                kind="company",
                name=f"Timmerfabriek {i:02d}",
                description="Wij doen houtbewerking en montage.",
            )
            in_text.append(org.pk)
    return in_name, in_text


def test_name_hits_come_first_and_pages_join_without_gaps(reference: None) -> None:
    in_name, in_text = _name_and_text_hits()
    filters = org_filters(q="houtbewerking")
    pages = [directory_page(None, filters, per_page=5, page=n) for n in (1, 2, 3, 4)]
    seen = [o.pk for page in pages for o in page.objects]
    assert len(seen) == len(set(seen)) == 17
    assert sorted(seen[:4]) == in_name and sorted(seen[4:]) == in_text
    # A page that starts past the name hits (page 2 of 3-per-page starts at the 4th).
    page = directory_page(None, filters, per_page=3, page=2)
    assert [o.pk for o in page.objects] == seen[3:6]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's two ways to a page")
def test_walking_the_primary_key_gives_the_same_pages_as_the_index(
    reference: None, django_assert_num_queries: Any
) -> None:
    _name_and_text_hits()
    search.analyze()  # the walk needs the table's size from the planner's statistics
    table = Organisation._meta.db_table
    through_index = [
        search.TextSearch(table, ["houtbewerk"], []).page_ids(offset, 3) for offset in range(17)
    ]
    walked = []
    for offset in range(17):
        text = search.TextSearch(table, ["houtbewerk"], [])
        assert text.count(limit=10) == 10  # "at least 10 matches" makes the walk cheap enough
        with CaptureQueriesContext(connection) as ctx:
            walked.append(text.page_ids(offset, 3))
        if offset >= 4:  # past the name hits, the rest come from the walk
            assert any("IS TRUE" in q["sql"] for q in ctx.captured_queries)
    assert walked == through_index
    assert all(len(page) == min(3, 17 - offset) for offset, page in enumerate(walked))
    # The sorted orders walk their own index, and agree with the sort as well.
    for order in ("name", "-name", "-updated"):
        sorted_ = search.TextSearch(table, ["houtbewerk"], []).page_ids(0, 20, order)
        text = search.TextSearch(table, ["houtbewerk"], [])
        text.count(limit=10)
        with CaptureQueriesContext(connection) as ctx:
            assert text.page_ids(0, 20, order) == sorted_
        assert "IS TRUE" in ctx.captured_queries[-1]["sql"]
        assert len(sorted_) == 17


def test_counts_stop_at_the_cap_and_pages_stay_in_range(reference: None) -> None:
    for i in range(25):
        services.organisation_create(actor=None, kind="company", name=f"Smederij {i:02d}")
    exact = directory_page(None, org_filters(q="smederij"), per_page=10)
    assert (exact.count, exact.count_capped, exact.num_pages) == (25, False, 3)
    capped = directory_page(None, org_filters(q="smederij"), per_page=10, count_cap=20)
    assert (capped.count, capped.count_capped, capped.num_pages) == (20, True, 2)
    past_end = directory_page(None, org_filters(q="smederij"), per_page=10, page=9)
    assert past_end.number == 3 and len(past_end.objects) == 5
    api_style = directory_page(None, org_filters(q="smederij"), per_page=10, page=9, clamp=False)
    assert api_style.objects == [] and api_style.count == 25
    # Paging through the ranking returns every match exactly once.
    seen = [
        o.pk
        for n in (1, 2, 3)
        for o in directory_page(None, org_filters(q="smederij"), per_page=10, page=n).objects
    ]
    assert len(seen) == len(set(seen)) == 25


def test_sorting_by_name_with_a_text(reference: None) -> None:
    for name in ("Drukkerij Beta", "Drukkerij Alfa", "Drukkerij Gamma"):
        services.organisation_create(actor=None, kind="company", name=name)
    assert names(org_filters(q="drukkerij", sort="name")) == [
        "Drukkerij Alfa",
        "Drukkerij Beta",
        "Drukkerij Gamma",
    ]
    assert names(org_filters(q="drukkerij", sort="-name"))[0] == "Drukkerij Gamma"


def test_partnership_pages_carry_member_counts(registry: dict[str, Any]) -> None:
    page = directory_page(None, DirectoryFilters(what="partnerships", q="technohub"))
    assert [(p.name, p.member_count) for p in page.objects] == [("Technohub Maasland", 3)]
    page = directory_page(None, DirectoryFilters(what="partnerships"))
    assert {p.name: p.member_count for p in page.objects} == {
        "Technohub Maasland": 3,
        "Learning Community Data": 1,
    }


def test_a_page_costs_a_constant_number_of_queries(
    registry: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        services.organisation_create(actor=None, kind="company", name=f"Lasbedrijf {i}")
    search.analyze()
    for what in ("organisations", "partnerships"):
        # count, page ids, rows, themes (prefetch), member counts, theme tree; PostgreSQL:
        # page ids of name hits, then how many those were, the table size and the rest.
        with django_assert_max_num_queries(6 if connection.vendor == "sqlite" else 9):
            directory_page(None, DirectoryFilters(what=what, q="lasbedrijf oss", theme="ict"))


# --- the index can be repaired ---------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps the index with triggers")
def test_lost_triggers_come_back_and_the_index_is_refilled(reference: None) -> None:
    services.organisation_create(actor=None, kind="company", name="Scheepswerf Noordster")
    search.drop_index()
    assert search.ensure_index() != []
    assert names(org_filters(q="scheepswerf")) == ["Scheepswerf Noordster"]
    # and the triggers work again
    services.organisation_create(actor=None, kind="company", name="Scheepswerf Zuiderkruis")
    assert len(names(org_filters(q="scheepswerf"))) == 2
    assert search.ensure_index() == []


def test_reindex_command_rebuilds_documents_and_index(registry: dict[str, Any]) -> None:
    Organisation.objects.update(search_document="")
    Partnership.objects.update(search_document="")
    # The place and the kind live only in the document (the name is indexed as well).
    assert names(org_filters(q="oss", kind="company")) == []
    call_command("reindex", verbosity=0)
    assert names(org_filters(q="oss", kind="company")) == ["Metaalbedrijf De Vonk"]
    filters = DirectoryFilters(what="partnerships", q="maasland", kind="technohub")
    assert [p.name for p in directory_page(None, filters).objects] == ["Technohub Maasland"]


def test_facets_of_a_document(registry: dict[str, Any]) -> None:
    company = Organisation.objects.select_related(
        "municipality__province", "municipality__labour_market_region"
    ).get(pk=registry["company"].pk)
    document = company.search_document
    terms, facets = document.split(search.FACET_MARK)
    assert " vonk " in terms and "_k_" not in terms
    m = company.municipality
    assert m is not None
    assert facets.split() == [
        "_k_company",
        f"_m_{m.code.lower()}",
        f"_r_{m.labour_market_region.code.lower()}",
        f"_p_{m.province.code.lower()}",
        "_t_maakindustrie",
        *[f"_n_{term}" for term in index_terms(company.name).split()],
    ]


@pytest.mark.parametrize("bulk_from", [1, 10**9], ids=["index-rebuilt-once", "index-per-row"])
def test_an_import_leaves_the_index_complete_and_maintained(
    registry: dict[str, Any], monkeypatch: Any, bulk_from: int
) -> None:
    from pathlib import Path

    from knooppunt.registry.interchange import importer

    monkeypatch.setattr(importer, "BULK_INDEX_ROWS", bulk_from)
    real = Path(__file__).resolve().parents[2] / "bench" / "data" / "real-partnerships"
    report = importer.import_registry(real, source="real")
    assert not report.errors, report.errors[:3]
    # new rows, with their facets ...
    found = names(org_filters(q="fontys", kind="school_hbo"))
    assert found and all("Fontys" in n for n in found)
    partnerships = directory_page(None, DirectoryFilters(what="partnerships", q="brainport"))
    assert partnerships.count >= 1
    # ... rows that existed before the import ...
    assert names(org_filters(q="metaalbedrijf")) == ["Metaalbedrijf De Vonk"]
    # ... and the index is kept up to date again afterwards.
    services.organisation_create(actor=None, kind="company", name="Na De Import BV")
    assert names(org_filters(q="na de import")) == ["Na De Import BV"]
