"""Every write to the registry goes through these functions.

Each takes keyword-only arguments and an explicit `actor`, validates with
`full_clean()`, keeps the search document in step and writes an audit entry.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from knooppunt.core.audit import audit_log, diff, snapshot
from knooppunt.core.concurrency import (
    Expected,
    changed_fields,
    check_version,
    copy_state,
    lock,
    save_fields,
)
from knooppunt.core.text import fold, index_terms
from knooppunt.places.countries import NETHERLANDS
from knooppunt.places.models import Municipality
from knooppunt.places.queries import municipality_for_city
from knooppunt.registry import search
from knooppunt.registry.models import (
    Affiliation,
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipContact,
    PartnershipSourceId,
    Person,
    SbiCode,
    Theme,
)

DATA = Path(__file__).resolve().parent / "data"

ORGANISATION_FIELDS = [
    "kind",
    "name",
    "brin",
    "kvk",
    "country",
    "municipality",
    "city",
    "website",
    "email",
    "phone",
    "description",
]
PARTNERSHIP_FIELDS = [
    "kind",
    "name",
    "country",
    "municipality",
    "city",
    "start_year",
    "end_year",
    "description",
    "goals",
    "website",
    "email",
]
PERSON_FIELDS = ["name", "email", "phone", "is_public"]
MEMBERSHIP_FIELDS = ["role", "since_year", "until_year"]


class AlreadyMember(ValidationError):
    """Adding an organisation that is already a member: refused, on the site and the API."""

    def __init__(self) -> None:
        super().__init__(
            {
                "organisation": _(
                    "This organisation is already a member of this partnership; "
                    "change its role or years instead."
                )
            },
        )


def _unchanged(model: type[Any], changed: Iterable[str]) -> list[str]:
    """The model's fields outside `changed`: validated when they were written, not again
    (a rule added later must not block an edit of another field)."""
    changed = set(changed)
    return [f.name for f in model._meta.concrete_fields if f.name not in changed]


# --- reference vocabularies -------------------------------------------------------------


@transaction.atomic
def themes_load_reference() -> int:
    """Create or update the theme vocabulary from data/themes.csv (idempotent)."""
    with (DATA / "themes.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {}
    changed: list[Theme] = []
    for row in rows:
        before = Theme.objects.filter(code=row["code"]).first()
        by_code[row["code"]], _ = Theme.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_nl": row["name_nl"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "synonyms_nl": row["synonyms_nl"],
                "synonyms_en": row["synonyms_en"],
                "related_sbi_divisions": row["related_sbi_divisions"],
            },
        )
        after = by_code[row["code"]]
        if before is not None and [*before.synonyms(), before.name_nl, before.name_en] != (
            [*after.synonyms(), after.name_nl, after.name_en]
        ):
            changed.append(after)
    for theme in changed:
        theme_reindex_tagged(theme)
    for row in rows:
        theme = by_code[row["code"]]
        parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
        if theme.parent_id != (parent.pk if parent else None):
            theme.parent = parent
            theme.save(update_fields=["parent"])
    return len(by_code)


THEME_FIELDS = [
    "name_nl",
    "name_en",
    "kind",
    "parent",
    "synonyms_nl",
    "synonyms_en",
    "related_sbi_divisions",
]


@transaction.atomic
def theme_update(*, actor: Any, theme: Theme, **fields: Any) -> Theme:
    """Change a theme of the vocabulary (the admin); tagged records are reindexed when its
    names or synonyms change."""
    for key in fields:
        if key not in THEME_FIELDS:
            raise TypeError(f"theme_update() got an unknown field {key!r}")
    before = snapshot(theme, THEME_FIELDS)
    for key, value in fields.items():
        setattr(theme, key, value)
    theme.full_clean()
    theme.save()
    changes = diff(before, snapshot(theme, THEME_FIELDS))
    if changes:
        audit_log(actor=actor, action="registry.theme.updated", target=theme, changes=changes)
    if {"name_nl", "name_en", "synonyms_nl", "synonyms_en"} & set(changes):
        theme_reindex_tagged(theme)
    return theme


@transaction.atomic
def sbi_load_reference() -> int:
    with (DATA / "sbi.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["level"] in {"4", "5"}]
    existing = set(SbiCode.objects.values_list("code", flat=True))
    SbiCode.objects.bulk_create(
        [
            SbiCode(code=r["code"], name_nl=r["name_nl"], section=r["section"])
            for r in rows
            if r["code"] not in existing
        ]
    )
    return len(rows)


def theme_lookup() -> dict[str, Theme]:
    """folded name/code/synonym -> theme, for mapping free-text themes onto the vocabulary."""
    lookup: dict[str, Theme] = {}
    for theme in Theme.objects.all():
        for key in [theme.code.replace("_", " "), theme.name_nl, theme.name_en, *theme.synonyms()]:
            lookup.setdefault(fold(key), theme)
    return lookup


def themes_resolve(
    texts: Iterable[str], lookup: dict[str, Theme] | None = None
) -> tuple[list[Theme], list[str]]:
    """Map free-text themes onto the vocabulary: (themes found, texts not understood)."""
    lookup = lookup if lookup is not None else theme_lookup()
    found: list[Theme] = []
    unknown: list[str] = []
    for text in texts:
        theme = lookup.get(fold(text))
        if theme is None:
            unknown.append(text)
        elif theme not in found:
            found.append(theme)
    return found, unknown


# --- search documents ---------------------------------------------------------------------


def _theme_words(themes: Iterable[Theme]) -> list[str]:
    words: list[str] = []
    for theme in themes:
        words += [theme.name_nl, theme.name_en, *theme.synonyms()]
    return words


def place_codes(municipality: Municipality | None) -> tuple[str, str, str] | None:
    """(municipality, labour-market region, province) codes, for the search facets."""
    if municipality is None:
        return None
    return (
        municipality.code,
        municipality.labour_market_region.code,
        municipality.province.code,
    )


def organisation_search_document(
    organisation: Organisation, *, themes: Iterable[Theme] | None = None
) -> str:
    """The search document; `themes` may be given to avoid a query (bulk imports)."""
    municipality = organisation.municipality
    themes = list(organisation.themes.all() if themes is None else themes)
    document = index_terms(
        organisation.name,
        organisation.city,
        municipality.name if municipality else "",
        organisation.description,
        organisation.brin,
        organisation.kvk,
        organisation.other_themes.replace(";", " "),
        " ".join(_theme_words(themes)),
    )
    return search.with_facets(
        document,
        search.facet_tokens(
            kind=organisation.kind,
            places=place_codes(municipality),
            theme_codes=[t.code for t in themes],
            name_terms=index_terms(organisation.name).split(),
        ),
    )


def partnership_search_document(
    partnership: Partnership,
    *,
    themes: Iterable[Theme] | None = None,
    member_names: Iterable[str] | None = None,
) -> str:
    """The search document; `themes` and `member_names` may be given to avoid queries."""
    municipality = partnership.municipality
    themes = list(partnership.themes.all() if themes is None else themes)
    if member_names is None:
        member_names = (
            m.organisation.name for m in partnership.memberships.select_related("organisation")
        )
    document = index_terms(
        partnership.name,
        partnership.city,
        municipality.name if municipality else "",
        partnership.description,
        partnership.goals,
        partnership.other_themes.replace(";", " "),
        " ".join(_theme_words(themes)),
        " ".join(member_names),
    )
    return search.with_facets(
        document,
        search.facet_tokens(
            kind=partnership.kind,
            places=place_codes(municipality),
            theme_codes=[t.code for t in themes],
            name_terms=index_terms(partnership.name).split(),
        ),
    )


def organisation_reindex(organisation: Organisation) -> None:
    document = organisation_search_document(organisation)
    if document != organisation.search_document:
        Organisation.objects.filter(pk=organisation.pk).update(search_document=document)
        organisation.search_document = document


def partnership_reindex(partnership: Partnership) -> None:
    document = partnership_search_document(partnership)
    if document != partnership.search_document:
        Partnership.objects.filter(pk=partnership.pk).update(search_document=document)
        partnership.search_document = document


def theme_reindex_tagged(theme: Theme) -> None:
    """Rebuild the search documents of everything tagged with `theme`."""
    places = ("municipality__province", "municipality__labour_market_region")
    for organisation in theme.organisations.select_related(*places).prefetch_related("themes"):
        organisation_reindex(organisation)
    for partnership in theme.partnerships.select_related(*places).prefetch_related("themes"):
        partnership_reindex(partnership)


def registry_reindex_all() -> dict[str, int]:
    """Rebuild every search document from the database (`knooppunt reindex`)."""
    places = (
        "municipality__province",
        "municipality__labour_market_region",
    )
    orgs = Organisation.objects.select_related(*places).prefetch_related("themes")
    n_org = 0
    for org in orgs.iterator(chunk_size=1000):
        organisation_reindex(org)
        n_org += 1
    n_ps = 0
    for ps in Partnership.objects.select_related(*places).prefetch_related("themes"):
        partnership_reindex(ps)
        n_ps += 1
    search.rebuild_index()
    search.analyze()
    return {"organisations": n_org, "partnerships": n_ps}


# --- organisations ------------------------------------------------------------------------


def _resolve_place(
    values: dict[str, Any], current: Organisation | Partnership | None = None
) -> None:
    """Fill in the municipality from the place as written when none is given (the rules of
    `places.resolve`, as on import). Abroad there is no municipality: one left over from
    before is dropped, one given with a foreign country is refused by `clean()`. A place
    that does not resolve leaves no municipality, except that an unchanged place keeps the
    one the object has (chosen by hand, e.g. on the staff list of unplaced ones)."""
    country = values.get("country") or (current.country if current else NETHERLANDS)
    if "country" in values:
        values["country"] = country
    if country != NETHERLANDS:
        if not values.get("municipality"):
            values["municipality"] = None
        return
    if values.get("municipality") or not values.get("city"):
        return
    found = municipality_for_city(values["city"])
    unchanged = current is not None and values["city"] == current.city
    values["municipality"] = found or (current.municipality if unchanged and current else None)


@transaction.atomic
def organisation_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    themes: Iterable[Theme] = (),
    sbi_codes: Iterable[SbiCode] = (),
    source: str = "",
    external_id: str = "",
    **fields: Any,
) -> Organisation:
    values = {"kind": kind, "name": name, **fields}
    _resolve_place(values)
    organisation = Organisation(**values)
    organisation.full_clean()
    organisation.save()
    organisation.themes.set(themes)
    organisation.sbi_codes.set(sbi_codes)
    if source and external_id:
        OrganisationSourceId.objects.create(
            organisation=organisation, source=source, external_id=external_id
        )
    organisation_reindex(organisation)
    after = snapshot(organisation, ORGANISATION_FIELDS)
    after["themes"] = sorted(t.code for t in organisation.themes.all())
    audit_log(
        actor=actor,
        action="registry.organisation.created",
        target=organisation,
        changes={k: [None, v] for k, v in after.items() if v not in ("", None, [])},
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Any,
    organisation: Organisation,
    expected_version: Expected = None,
    themes: Iterable[Theme] | None = None,
    sbi_codes: Iterable[SbiCode] | None = None,
    **fields: Any,
) -> Organisation:
    """Change the given fields (only those) of `organisation`.

    The row is read again and locked; with `expected_version` (a form's hidden version,
    an API If-Match) a row changed since raises `StaleWrite` and nothing is written.
    `organisation` is brought up to date; the current object is also returned.
    """
    for key in fields:
        if key not in ORGANISATION_FIELDS and key != "logo":
            raise TypeError(f"organisation_update() got an unknown field {key!r}")
    current = lock(Organisation, organisation.pk)
    check_version(current, expected_version)
    before = snapshot(current, ORGANISATION_FIELDS)
    before["themes"] = sorted(t.code for t in current.themes.all())
    _resolve_place(fields, current)
    changed = changed_fields(current, fields)
    for key in changed:
        setattr(current, key, fields[key])
    current.full_clean(exclude=_unchanged(Organisation, changed))
    themes = list(themes) if themes is not None else None
    sbi_codes = list(sbi_codes) if sbi_codes is not None else None
    themes_changed = themes is not None and {t.pk for t in themes} != {
        t.pk for t in current.themes.all()
    }
    sbi_changed = sbi_codes is not None and {s.pk for s in sbi_codes} != set(
        current.sbi_codes.values_list("pk", flat=True)
    )
    if changed or themes_changed or sbi_changed:
        save_fields(current, changed)
    if themes_changed:
        current.themes.set(themes)  # type: ignore[arg-type]
    if sbi_changed:
        current.sbi_codes.set(sbi_codes)  # type: ignore[arg-type]
    after = snapshot(current, ORGANISATION_FIELDS)
    after["themes"] = sorted(t.code for t in current.themes.all())
    changes = diff(before, after)
    organisation_reindex(current)
    if changes:
        audit_log(
            actor=actor,
            action="registry.organisation.updated",
            target=current,
            changes=changes,
        )
        for partnership in current.partnerships.all():
            partnership_reindex(partnership)
    copy_state(organisation, current)
    return current


@transaction.atomic
def organisation_delete(
    *, actor: Any, organisation: Organisation, expected_version: Expected = None
) -> None:
    current = lock(Organisation, organisation.pk)
    check_version(current, expected_version)
    audit_log(
        actor=actor,
        action="registry.organisation.deleted",
        target=current,
        changes={"name": [current.name, None]},
    )
    partnerships = list(current.partnerships.all())
    current.delete()
    for partnership in partnerships:
        partnership_reindex(partnership)


# --- people -------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: Any,
    name: str,
    organisation: Organisation | None = None,
    function: str = "",
    **fields: Any,
) -> Person:
    person = Person(name=name, **fields)
    person.full_clean()
    person.save()
    if organisation is not None:
        affiliation_set(actor=actor, person=person, organisation=organisation, function=function)
    audit_log(
        actor=actor,
        action="registry.person.created",
        target=person,
        # Personal data stays out of the log: record which fields were set, not their values.
        changes={
            "name": [None, person.name],
            "fields_set": sorted(k for k, v in fields.items() if v),
        },
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: Any,
    person: Person,
    expected_version: Expected = None,
    function: str | None = None,
    **fields: Any,
) -> Person:
    """Change the given fields of `person` (only those); `function` is the function at the
    person's first organisation, as the person's page shows it."""
    for key in fields:
        if key not in PERSON_FIELDS:
            raise TypeError(f"person_update() got an unknown field {key!r}")
    current = lock(Person, person.pk)
    check_version(current, expected_version)
    before = snapshot(current, PERSON_FIELDS)
    changed = changed_fields(current, fields)
    for key in changed:
        setattr(current, key, fields[key])
    current.full_clean(exclude=_unchanged(Person, changed))
    affiliation = current.affiliations.select_related("organisation").first()
    function_changed = (
        function is not None and affiliation is not None and function != affiliation.function
    )
    if function_changed:
        assert affiliation is not None and function is not None  # noqa: S101 - for mypy
        affiliation_set(
            actor=actor, person=current, organisation=affiliation.organisation, function=function
        )
    if changed or function_changed:
        save_fields(current, changed)
    changes = diff(before, snapshot(current, PERSON_FIELDS))
    if changes:
        # Keep email and phone values out of the audit log; note only that they changed.
        for private in ("email", "phone"):
            if private in changes:
                changes[private] = ["…", "…"]
        audit_log(actor=actor, action="registry.person.updated", target=current, changes=changes)
        # The person appears on each of their organisations and partnerships: each one's
        # history says that its contact changed.
        linked = {"person": [before["name"], current.name], **changes}
        for organisation in _organisations_of(current):
            audit_log(
                actor=actor,
                action="registry.affiliation.updated",
                target=organisation,
                changes=linked,
            )
        for partnership in _partnerships_of(current):
            audit_log(
                actor=actor, action="registry.contact.updated", target=partnership, changes=linked
            )
    copy_state(person, current)
    return current


def _organisations_of(person: Person) -> list[Organisation]:
    return list(Organisation.objects.filter(affiliations__person=person).order_by("pk"))


def _partnerships_of(person: Person) -> list[Partnership]:
    return list(Partnership.objects.filter(contacts__person=person).order_by("pk"))


@transaction.atomic
def person_delete(*, actor: Any, person: Person, expected_version: Expected = None) -> None:
    """Delete a person, with an entry in the history of every organisation and partnership
    they disappear from."""
    current = lock(Person, person.pk)
    check_version(current, expected_version)
    audit_log(
        actor=actor,
        action="registry.person.deleted",
        target=current,
        changes={"name": [current.name, None]},
    )
    for organisation in _organisations_of(current):
        audit_log(
            actor=actor,
            action="registry.affiliation.removed",
            target=organisation,
            changes={"person": [current.name, None]},
        )
    for partnership in _partnerships_of(current):
        audit_log(
            actor=actor,
            action="registry.contact.removed",
            target=partnership,
            changes={"contact": [current.name, None]},
        )
    current.delete()


@transaction.atomic
def person_unlink(
    *, actor: Any, person: Person, organisation: Organisation, expected_version: Expected = None
) -> None:
    """Remove `person` from `organisation`; they stay with their other organisations (and
    stay the contact person of their partnerships). Their last organisation cannot be
    unlinked: that is deleting the person (`person_delete`). The person's organisations
    are part of the person, so this raises the person's version."""
    current = lock(Person, person.pk)
    check_version(current, expected_version)
    affiliations = list(Affiliation.objects.select_for_update().filter(person=person))
    mine = next((a for a in affiliations if a.organisation_id == organisation.pk), None)
    if mine is None:
        raise ValidationError(
            gettext("%(person)s is not linked to %(organisation)s.")
            % {"person": person.name, "organisation": organisation.name}
        )
    if len(affiliations) == 1:
        raise ValidationError(
            gettext("This is the person's only organisation: delete the person instead.")
        )
    mine.delete()
    save_fields(current, [])
    copy_state(person, current)
    audit_log(
        actor=actor,
        action="registry.affiliation.removed",
        target=organisation,
        changes={"person": [person.name, None], "function": [mine.function, None]},
    )
    audit_log(
        actor=actor,
        action="registry.affiliation.removed",
        target=person,
        changes={"organisation": [organisation.name, None]},
    )


@transaction.atomic
def affiliation_set(
    *, actor: Any, person: Person, organisation: Organisation, function: str = ""
) -> Affiliation:
    affiliation = Affiliation.objects.filter(person=person, organisation=organisation).first()
    created = affiliation is None
    if affiliation is None:
        affiliation = Affiliation(person=person, organisation=organisation)
    affiliation.function = function
    affiliation.full_clean(exclude=["person", "organisation"])
    affiliation.save()
    audit_log(
        actor=actor,
        action="registry.affiliation.set",
        target=organisation,
        changes={"person": [None, person.name], "function": [None, function]}
        if created
        else {"person": [person.name, person.name], "function": [None, function]},
    )
    return affiliation


# --- partnerships -------------------------------------------------------------------------


@transaction.atomic
def partnership_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    themes: Iterable[Theme] = (),
    source: str = "",
    external_id: str = "",
    **fields: Any,
) -> Partnership:
    values = {"kind": kind, "name": name, **fields}
    _resolve_place(values)
    partnership = Partnership(**values)
    partnership.full_clean()
    partnership.save()
    partnership.themes.set(themes)
    if source and external_id:
        PartnershipSourceId.objects.create(
            partnership=partnership, source=source, external_id=external_id
        )
    partnership_reindex(partnership)
    after = snapshot(partnership, PARTNERSHIP_FIELDS)
    after["themes"] = sorted(t.code for t in partnership.themes.all())
    audit_log(
        actor=actor,
        action="registry.partnership.created",
        target=partnership,
        changes={k: [None, v] for k, v in after.items() if v not in ("", None, [])},
    )
    return partnership


@transaction.atomic
def partnership_update(
    *,
    actor: Any,
    partnership: Partnership,
    expected_version: Expected = None,
    themes: Iterable[Theme] | None = None,
    **fields: Any,
) -> Partnership:
    """Change the given fields (only those) of `partnership`; see `organisation_update`."""
    for key in fields:
        if key not in PARTNERSHIP_FIELDS:
            raise TypeError(f"partnership_update() got an unknown field {key!r}")
    current = lock(Partnership, partnership.pk)
    check_version(current, expected_version)
    before = snapshot(current, PARTNERSHIP_FIELDS)
    before["themes"] = sorted(t.code for t in current.themes.all())
    _resolve_place(fields, current)
    changed = changed_fields(current, fields)
    for key in changed:
        setattr(current, key, fields[key])
    # The years are one rule: a change of either is checked against the other.
    exclude = _unchanged(Partnership, changed)
    current.full_clean(exclude=exclude)
    themes = list(themes) if themes is not None else None
    themes_changed = themes is not None and {t.pk for t in themes} != {
        t.pk for t in current.themes.all()
    }
    if changed or themes_changed:
        save_fields(current, changed)
    if themes_changed:
        current.themes.set(themes)  # type: ignore[arg-type]
    after = snapshot(current, PARTNERSHIP_FIELDS)
    after["themes"] = sorted(t.code for t in current.themes.all())
    changes = diff(before, after)
    partnership_reindex(current)
    if changes:
        audit_log(
            actor=actor, action="registry.partnership.updated", target=current, changes=changes
        )
    copy_state(partnership, current)
    return current


@transaction.atomic
def partnership_delete(
    *, actor: Any, partnership: Partnership, expected_version: Expected = None
) -> None:
    current = lock(Partnership, partnership.pk)
    check_version(current, expected_version)
    audit_log(
        actor=actor,
        action="registry.partnership.deleted",
        target=current,
        changes={"name": [current.name, None]},
    )
    current.delete()


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    partnership: Partnership,
    organisation: Organisation,
    role: str = "member",
    since_year: int | None = None,
    until_year: int | None = None,
) -> Membership:
    """Add `organisation` to `partnership`; `AlreadyMember` if it is one already (its role
    and years are changed with `membership_update`, never by adding it again)."""
    if Membership.objects.filter(partnership=partnership, organisation=organisation).exists():
        raise AlreadyMember
    membership = Membership(
        partnership=partnership,
        organisation=organisation,
        role=role,
        since_year=since_year,
        until_year=until_year,
    )
    membership.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:  # added by someone else at the same moment
        if Membership.objects.filter(partnership=partnership, organisation=organisation).exists():
            raise AlreadyMember from exc
        raise
    changes = {
        k: [None, v] for k, v in snapshot(membership, MEMBERSHIP_FIELDS).items() if v is not None
    }
    changes["organisation"] = [None, organisation.name]
    audit_log(actor=actor, action="registry.membership.added", target=partnership, changes=changes)
    partnership_reindex(partnership)
    return membership


@transaction.atomic
def membership_update(
    *, actor: Any, membership: Membership, expected_version: Expected = None, **fields: Any
) -> Membership:
    """Change the given fields (role, since_year, until_year) of a membership, only those."""
    for key in fields:
        if key not in MEMBERSHIP_FIELDS:
            raise TypeError(f"membership_update() got an unknown field {key!r}")
    current = lock(Membership, membership.pk)
    check_version(current, expected_version)
    before = snapshot(current, MEMBERSHIP_FIELDS)
    changed = changed_fields(current, fields)
    for key in changed:
        setattr(current, key, fields[key])
    current.full_clean(exclude=_unchanged(Membership, changed), validate_constraints=False)
    if changed:
        save_fields(current, changed)
        changes = diff(before, snapshot(current, MEMBERSHIP_FIELDS))
        organisation = current.organisation
        changes["organisation"] = [organisation.name, organisation.name]
        audit_log(
            actor=actor,
            action="registry.membership.updated",
            target=current.partnership,
            changes=changes,
        )
    copy_state(membership, current)
    return current


def membership_set(
    *,
    actor: Any,
    partnership: Partnership,
    organisation: Organisation,
    role: str = "member",
    since_year: int | None = None,
    until_year: int | None = None,
) -> Membership:
    """Add `organisation` to `partnership`, or give its membership this role and these years
    (for loading data such as the demo; people add with `membership_add`)."""
    existing = Membership.objects.filter(partnership=partnership, organisation=organisation).first()
    if existing is None:
        return membership_add(
            actor=actor,
            partnership=partnership,
            organisation=organisation,
            role=role,
            since_year=since_year,
            until_year=until_year,
        )
    return membership_update(
        actor=actor, membership=existing, role=role, since_year=since_year, until_year=until_year
    )


@transaction.atomic
def membership_remove(
    *, actor: Any, membership: Membership, expected_version: Expected = None
) -> None:
    current = lock(Membership, membership.pk)
    check_version(current, expected_version)
    partnership = current.partnership
    audit_log(
        actor=actor,
        action="registry.membership.removed",
        target=partnership,
        changes={"organisation": [current.organisation.name, None]},
    )
    current.delete()
    partnership_reindex(partnership)


@transaction.atomic
def partnership_contact_set(
    *, actor: Any, partnership: Partnership, person: Person, role: str = ""
) -> PartnershipContact:
    """Make `person` a contact person of `partnership` for `role` (or change the role)."""
    contact = PartnershipContact.objects.filter(partnership=partnership, person=person).first()
    created = contact is None
    if contact is None:
        contact = PartnershipContact(partnership=partnership, person=person, role=role)
        contact.full_clean(validate_constraints=False)
        contact.save()
    elif contact.role != role:
        contact = lock(PartnershipContact, contact.pk)
        contact.role = role
        contact.full_clean(exclude=_unchanged(PartnershipContact, ["role"]))
        save_fields(contact, ["role"])
    audit_log(
        actor=actor,
        action="registry.contact.set",
        target=partnership,
        changes={"contact": [None if created else person.name, person.name], "role": [None, role]},
    )
    return contact


@transaction.atomic
def partnership_contact_remove(*, actor: Any, contact: PartnershipContact) -> None:
    audit_log(
        actor=actor,
        action="registry.contact.removed",
        target=contact.partnership,
        changes={"contact": [contact.person.name, None]},
    )
    contact.delete()


def municipality_by_code(code: str) -> Municipality | None:
    return Municipality.objects.filter(code=code).first()


# --- merging two organisations (import/export: duplicates found later) ------------------------

MERGE_FILL_FIELDS = ["kvk", "website", "email", "phone", "description", "city", "municipality"]
ROLE_STRENGTH = {"lead": 5, "founder": 4, "funder": 3, "partner": 2, "member": 1}


def _repoint(relation: Any, remove: Organisation, keep: Organisation) -> None:
    """Move the rows of a reverse foreign key from `remove` to `keep`.

    Rows that would break one of the related model's unique constraints (the same person,
    user or partnership already linked to `keep`) are dropped: `keep` already has them.
    """
    model = relation.related_model
    fk = relation.field.name
    rows = model._default_manager.filter(**{fk: remove})
    for constraint in model._meta.constraints:
        fields = list(getattr(constraint, "fields", ()) or ())
        if fk not in fields or getattr(constraint, "condition", None) is not None:
            continue
        others = [f for f in fields if f != fk]
        taken = set(model._default_manager.filter(**{fk: keep}).values_list(*others))
        for row in rows.values_list("pk", *others):
            if tuple(row[1:]) in taken:
                model._default_manager.filter(pk=row[0]).delete()
    rows.update(**{fk: keep})


@transaction.atomic
def organisation_merge(*, actor: Any, keep: Organisation, remove: Organisation) -> Organisation:
    """Merge `remove` into `keep`: its memberships, people, editors, source ids and history
    move to `keep`, empty fields of `keep` are filled from it, then `remove` is deleted."""
    from django.contrib.contenttypes.models import ContentType

    from knooppunt.core.models import AuditEntry

    if keep.pk == remove.pk:
        raise ValueError("an organisation cannot be merged with itself")
    keep = Organisation.objects.select_for_update().get(pk=keep.pk)
    remove = Organisation.objects.select_for_update().get(pk=remove.pk)
    moved = {
        "memberships": remove.memberships.count(),
        "people": remove.affiliations.count(),
        "source_ids": remove.source_ids.count(),
    }
    # Memberships in the same partnership: one remains, with the stronger role.
    for membership in remove.memberships.all():
        mine = keep.memberships.filter(partnership=membership.partnership).first()
        if mine is None:
            continue
        if ROLE_STRENGTH.get(membership.role, 0) > ROLE_STRENGTH.get(mine.role, 0):
            mine.role = membership.role
        mine.since_year = min(
            (y for y in (mine.since_year, membership.since_year) if y), default=None
        )
        save_fields(mine, ["role", "since_year"])
        membership.delete()
    for relation in Organisation._meta.related_objects:
        if relation.one_to_many:  # memberships, affiliations, source ids, editorships, ...
            _repoint(relation, remove, keep)
    updates: dict[str, Any] = {}
    for name in MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(remove, name):
            updates[name] = getattr(remove, name)
    if not keep.brin and remove.brin and keep.is_school:
        updates["brin"] = remove.brin
    if not keep.logo and remove.logo:
        keep.logo = remove.logo
        save_fields(keep, ["logo"])
    others = [t for t in remove.other_themes.split(";") if t]
    own = [t for t in keep.other_themes.split(";") if t]
    if any(t not in own for t in others):
        keep.other_themes = ";".join(dict.fromkeys([*own, *others]))
        save_fields(keep, ["other_themes"])
    content_type = ContentType.objects.get_for_model(Organisation, for_concrete_model=True)
    # The history follows: entries about `remove` are now about `keep`.
    AuditEntry.objects.filter(target_type=content_type, target_id=remove.pk).update(
        target_id=keep.pk
    )
    themes = {*keep.themes.all(), *remove.themes.all()}
    sbi_codes = {*keep.sbi_codes.all(), *remove.sbi_codes.all()}
    removed_name, removed_pk = remove.name, remove.pk
    remove.delete()
    keep = organisation_update(
        actor=actor, organisation=keep, themes=themes, sbi_codes=sbi_codes, **updates
    )
    audit_log(
        actor=actor,
        action="registry.organisation.merged",
        target=keep,
        changes={
            "merged": [f"{removed_name} (#{removed_pk})", keep.name],
            **{k: [None, v] for k, v in moved.items() if v},
        },
    )
    organisation_reindex(keep)
    for partnership in keep.partnerships.all():
        partnership_reindex(partnership)
    return keep
