"""Writing the plan through the registry services, skipping what already exists."""

from __future__ import annotations

from knooppunt.places.models import Municipality
from knooppunt.registry.models import (
    Affiliation,
    Organisation,
    OrganisationSourceId,
    PartnershipSourceId,
    SbiCode,
    Theme,
)
from knooppunt.registry.services import (
    membership_set,
    organisation_create,
    partnership_contact_set,
    partnership_create,
    person_create,
)
from knooppunt.synthetic.demo.registry.plan import SOURCE, OrgSpec, PartnershipSpec, PersonSpec


class Writer:
    """Applies a plan through the registry services, skipping what already exists."""

    def __init__(self) -> None:
        self.themes = {t.code: t for t in Theme.objects.all()}
        self.sbi = {s.code: s for s in SbiCode.objects.all()}
        self.municipalities = {m.code: m for m in Municipality.objects.all()}
        self.orgs = {
            s.external_id: s.organisation
            for s in OrganisationSourceId.objects.filter(source=SOURCE).select_related(
                "organisation"
            )
        }
        self.by_brin = {o.brin: o for o in Organisation.objects.exclude(brin="")}
        self.partnerships = {
            s.external_id: s.partnership
            for s in PartnershipSourceId.objects.filter(source=SOURCE).select_related("partnership")
        }
        self.affiliated = set(Affiliation.objects.values_list("person__name", "organisation_id"))

    def organisation(self, spec: OrgSpec) -> None:
        if spec.external_id in self.orgs:
            return
        if spec.brin and spec.brin in self.by_brin:  # already there, e.g. from an import
            self.orgs[spec.external_id] = self.by_brin[spec.brin]
            return
        self.orgs[spec.external_id] = organisation_create(
            actor=None,
            kind=spec.kind,
            name=spec.name,
            themes=[self.themes[t] for t in spec.themes],
            sbi_codes=[self.sbi[c] for c in spec.sbi],
            source=SOURCE,
            external_id=spec.external_id,
            municipality=self.municipalities.get(spec.municipality),
            city=spec.city,
            country=spec.country,
            brin=spec.brin,
            kvk=spec.kvk,
            website=spec.website,
            description=spec.description,
        )

    def partnership(self, spec: PartnershipSpec) -> None:
        if spec.external_id in self.partnerships:
            return
        partnership = partnership_create(
            actor=None,
            kind=spec.kind,
            name=spec.name,
            themes=[self.themes[t] for t in spec.themes],
            source=SOURCE,
            external_id=spec.external_id,
            municipality=self.municipalities.get(spec.municipality),
            city=spec.city,
            start_year=spec.start_year,
            end_year=spec.end_year,
            description=spec.description,
            goals=spec.goals,
            website=spec.website,
        )
        self.partnerships[spec.external_id] = partnership
        for org_id, role, since_year in spec.members:
            membership_set(
                actor=None,
                partnership=partnership,
                organisation=self.orgs[org_id],
                role=role,
                since_year=since_year,
            )

    def person(self, spec: PersonSpec) -> None:
        organisation = self.orgs[spec.organisation]
        if (spec.name, organisation.pk) in self.affiliated:
            return
        person = person_create(
            actor=None,
            name=spec.name,
            organisation=organisation,
            function=spec.function,
            email=spec.email,
            phone=spec.phone,
            is_public=spec.is_public,
        )
        self.affiliated.add((spec.name, organisation.pk))
        for partnership_id, role in spec.contact_for:
            partnership_contact_set(
                actor=None, partnership=self.partnerships[partnership_id], person=person, role=role
            )
