"""The pages' JSON-LD, checked offline against the schema.org vocabulary (release 30.0).

The vocabulary is /work/shared/formats/schemaorg/schemaorg-current-http.ttl. It is read
with a small regex scan of its Turtle, which is regular: every term is a block

    schema:Name a rdfs:Class ;          (or: a rdf:Property ; a rdfs:Class, schema:DataType ;)
        rdfs:subClassOf schema:Thing ;
        schema:domainIncludes schema:A,
            schema:B ;
        schema:rangeIncludes schema:Text .

Checked: every @type is a schema.org class, every property exists, is not superseded,
is used on a type in its domainIncludes (subclasses included), and every value fits
its rangeIncludes (nested objects by @type, strings by a data type such as Text or Date).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from knooppunt.places.services import places_load_reference
from knooppunt.registry import jsonld, services
from knooppunt.registry.models import OrganisationKind, Theme

SCHEMAORG = Path(__file__).resolve().parents[2].parent / "shared" / "formats" / "schemaorg"
VOCABULARY = SCHEMAORG / "schemaorg-current-http.ttl"

# --- the vocabulary ------------------------------------------------------------------------


@dataclass
class Term:
    name: str
    types: set[str] = field(default_factory=set)
    parents: set[str] = field(default_factory=set)
    domain: set[str] = field(default_factory=set)
    range: set[str] = field(default_factory=set)
    superseded: bool = False


@dataclass
class Vocabulary:
    terms: dict[str, Term]

    @property
    def classes(self) -> set[str]:
        return {n for n, t in self.terms.items() if "rdfs:Class" in t.types}

    @property
    def properties(self) -> set[str]:
        return {n for n, t in self.terms.items() if "rdf:Property" in t.types}

    def ancestors(self, name: str) -> set[str]:
        """`name` and every class above it."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                term = self.terms.get(current)
                todo += sorted(term.parents) if term else []
        return seen

    def is_datatype(self, name: str) -> bool:
        return any(
            "schema:DataType" in self.terms[a].types
            for a in self.ancestors(name)
            if a in self.terms
        )


_SUBJECT = re.compile(r"^schema:(\w+) a ", re.M)
_END = re.compile(r"\s\.\s*(?:\n|$)")
_NAMES = re.compile(r"schema:(\w+)")


def _objects(block: str, predicate: str) -> set[str]:
    match = re.search(rf"{re.escape(predicate)}\s+([^;]*)", block)
    return set(_NAMES.findall(match[1])) if match else set()


@cache
def vocabulary() -> Vocabulary:
    text = VOCABULARY.read_text(encoding="utf-8")
    # Blank out string literals: comments may contain anything, including " ." and "schema:".
    text = re.sub(r'""".*?"""', '""', text, flags=re.S)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"(?:@[\w-]+|\^\^\S+)?', '""', text)
    starts = list(_SUBJECT.finditer(text))
    terms: dict[str, Term] = {}
    for i, start in enumerate(starts):
        stop = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        block = text[start.start() : stop]
        end = _END.search(block)
        block = block[: end.end()] if end else block
        header = re.match(r"schema:\w+ a ([^;]*)", block)
        assert header, block[:200]
        term = Term(
            name=start[1],
            types={t.strip() for t in header[1].replace(".", " ").split(",") if t.strip()},
            parents=_objects(block, "rdfs:subClassOf"),
            domain=_objects(block, "schema:domainIncludes"),
            range=_objects(block, "schema:rangeIncludes"),
            superseded="schema:supersededBy" in block,
        )
        terms[term.name] = term
    return Vocabulary(terms)


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    if not VOCABULARY.is_file():
        pytest.skip(f"schema.org vocabulary not found at {VOCABULARY} (the shared formats folder)")
    return vocabulary()


def test_the_vocabulary_scan_is_sane(vocab: Vocabulary) -> None:
    """Guards the regex scan itself: known classes, properties and relations come out."""
    assert len(vocab.classes) > 800
    assert len(vocab.properties) > 1400
    assert {"Organization", "Corporation", "Project", "PostalAddress", "Text", "Date"} <= (
        vocab.classes
    )
    assert {"name", "member", "memberOf", "foundingDate", "address"} <= vocab.properties
    assert "Organization" in vocab.ancestors("HighSchool")
    assert "Organization" in vocab.ancestors("Project")
    assert vocab.terms["knowsAbout"].domain == {"Organization", "Person"}
    assert "Date" in vocab.terms["foundingDate"].range
    assert vocab.is_datatype("URL") and vocab.is_datatype("Date")
    assert not vocab.is_datatype("Organization")
    assert "Thing" not in vocab.properties and "name" not in vocab.classes


# --- checking a JSON-LD document -------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def problems(vocab: Vocabulary, node: Any, path: str = "$") -> Iterator[str]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from problems(vocab, item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    raw = node.get("@type", [])
    types = [raw] if isinstance(raw, str) else list(raw)
    for t in types:
        if t not in vocab.classes:
            yield f"{path}: @type {t!r} is not a schema.org class"
        elif vocab.terms[t].superseded:
            yield f"{path}: @type {t!r} is superseded"
    ancestors = set().union(*(vocab.ancestors(t) for t in types)) if types else set()
    for key, value in node.items():
        if key.startswith("@"):
            continue
        where = f"{path}.{key}"
        if key not in vocab.properties:
            yield f"{where}: {key!r} is not a schema.org property"
            continue
        prop = vocab.terms[key]
        if prop.superseded:
            yield f"{where}: {key!r} is superseded"
        if types and prop.domain and not (prop.domain & ancestors):
            yield f"{where}: {key!r} is not a property of {types} (domain {sorted(prop.domain)})"
        for item in value if isinstance(value, list) else [value]:
            yield from _range_problems(vocab, prop, item, where)
        yield from problems(vocab, value, where)


def _range_problems(vocab: Vocabulary, prop: Term, value: Any, where: str) -> Iterator[str]:
    if not prop.range:
        return
    if isinstance(value, dict):
        raw = value.get("@type")
        if raw is None:
            return
        types = [raw] if isinstance(raw, str) else raw
        if not any(prop.range & vocab.ancestors(t) for t in types):
            yield f"{where}: a {types} is not in the range {sorted(prop.range)}"
    elif isinstance(value, str):
        if not any(vocab.is_datatype(r) for r in prop.range):
            yield f"{where}: a string is not in the range {sorted(prop.range)}"
        if prop.range <= {"Date", "DateTime"} and not ISO_DATE.match(value):
            yield f"{where}: {value!r} is not an ISO 8601 date"


def jsonld_of(response: Any) -> Any:
    assert response.status_code == 200
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S
    )
    assert len(blocks) == 1, "exactly one JSON-LD block"
    return json.loads(blocks[0])


def assert_valid(vocab: Vocabulary, data: Any) -> None:
    assert data["@context"] in ("https://schema.org", "https://schema.org/")
    found = list(problems(vocab, data))
    assert not found, "\n".join(found)


def test_the_checker_catches_mistakes(vocab: Vocabulary) -> None:
    """The checker must be able to fail: made-up types, properties and misplaced ones."""
    bad = {
        "@type": "Corporation",
        "nmae": "typo",
        "foundingDate": "vorig jaar",
        "address": {"@type": "PostalAdres"},
        "member": [{"@type": "PostalAddress", "name": "x"}],
        "episodeNumber": 3,  # a property of episodes, not of organisations
    }
    found = "\n".join(problems(vocab, bad))
    assert "'nmae' is not a schema.org property" in found
    assert "not an ISO 8601 date" in found
    assert "'PostalAdres' is not a schema.org class" in found
    assert "not in the range" in found
    assert "'episodeNumber' is not a property of ['Corporation']" in found


def test_every_mapped_type_is_a_schemaorg_organisation(vocab: Vocabulary) -> None:
    for kind, schema_type in jsonld.SCHOOL_KIND_TO_TYPE.items():
        assert schema_type in vocab.classes, kind
        assert "Organization" in vocab.ancestors(schema_type), kind


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The reference data, loaded once for this module in a transaction rolled back at its end."""
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


def test_organisation_page(client: Any, vocab: Vocabulary, registry: dict[str, Any]) -> None:
    data = jsonld_of(client.get(registry["company"].get_absolute_url()))
    assert data["@type"] == "Corporation"
    assert "memberOf" in data and "identifier" in data and "address" in data
    assert_valid(vocab, data)


def test_school_page(client: Any, vocab: Vocabulary, registry: dict[str, Any]) -> None:
    data = jsonld_of(client.get(registry["school"].get_absolute_url()))
    assert data["identifier"]["propertyID"] == "BRIN"
    assert_valid(vocab, data)


def test_partnership_page(client: Any, vocab: Vocabulary, registry: dict[str, Any]) -> None:
    hub = registry["hub"]
    services.partnership_update(
        actor=None, partnership=hub, end_year=2030, website="https://technohub.example"
    )
    data = jsonld_of(client.get(hub.get_absolute_url()))
    assert data["@type"] == "Project"
    assert {"member", "funder", "foundingDate", "dissolutionDate", "location", "keywords"} <= (
        set(data)
    )
    assert_valid(vocab, data)


@pytest.mark.parametrize("kind", OrganisationKind.values)
def test_every_organisation_kind(
    client: Any, vocab: Vocabulary, reference: None, kind: str
) -> None:
    fields: dict[str, Any] = {"brin": "25LJ"} if kind.startswith("school_") else {}
    org = services.organisation_create(
        actor=None,
        kind=kind,
        name=f"Voorbeeld {kind}",
        city="Oss",
        website="https://x.example",
        description="Omschrijving.",
        themes=[Theme.objects.get(code="ict")],
        **fields,
    )
    assert_valid(vocab, jsonld_of(client.get(org.get_absolute_url())))


def test_partners_abroad_have_their_country(
    client: Any, vocab: Vocabulary, reference: None
) -> None:
    org = services.organisation_create(
        actor=None, kind="knowledge_institute", name="Instituut Mol", country="BE", city="Mol"
    )
    data = jsonld_of(client.get(org.get_absolute_url()))
    assert data["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "BE",
        "addressLocality": "Mol",
    }
    assert_valid(vocab, data)
    ps = services.partnership_create(actor=None, kind="cove", name="CoVE", country="ES")
    data = jsonld_of(client.get(ps.get_absolute_url()))
    assert data["location"]["address"] == {"@type": "PostalAddress", "addressCountry": "ES"}
    assert_valid(vocab, data)


def test_page_without_place_or_members(client: Any, vocab: Vocabulary, reference: None) -> None:
    ps = services.partnership_create(actor=None, kind="other", name="Los")
    data = jsonld_of(client.get(ps.get_absolute_url()))
    assert "location" not in data and "member" not in data
    assert_valid(vocab, data)


def test_markup_in_names_cannot_end_the_script_block(
    client: Any, vocab: Vocabulary, reference: None
) -> None:
    name = 'Evil </script><script>alert("x")</script> & Co'
    org = services.organisation_create(actor=None, kind="company", name=name)
    response = client.get(org.get_absolute_url())
    assert "</script><script>alert" not in response.content.decode()
    data = jsonld_of(response)
    assert data["name"] == name
    assert_valid(vocab, data)
