"""Importing a registry: read, check, compare with the registry, then write in one go.

`import_registry()` is the one entry point (the CLI, the web preview and the
background task call it). All or nothing: the files are read and every row is
checked first; with any error nothing is written. The writes happen in one
transaction, in bulk (see `bulk.py`), with the search documents computed on the way.

Rules beyond the contract:
- ids are remembered per source (OrganisationSourceId / PartnershipSourceId), so a
  second import of the same files finds every row again ("unchanged");
- an empty cell means "unknown": it keeps what the registry knows;
- an organisation with an id this source has not used before, that has the same
  BRIN or KvK number as an organisation in the registry, or a near-identical name
  in the same municipality, is merged into that organisation instead of added;
- nothing is deleted: rows missing from a later file stay in the registry.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knooppunt.core.audit import audit_bulk
from knooppunt.places.countries import NETHERLANDS
from knooppunt.registry import rules, search
from knooppunt.registry.interchange import bulk
from knooppunt.registry.interchange.format import (
    DEFAULT_ROLE,
    MEMBERSHIPS,
    ORGANISATIONS,
    PARTNERSHIPS,
)
from knooppunt.registry.interchange.matching import ExistingOrganisations
from knooppunt.registry.interchange.parse import (
    MembershipRecord,
    OrganisationRecord,
    ParsedRegistry,
    PartnershipRecord,
    Progress,
    Reference,
    parse_registry,
)
from knooppunt.registry.interchange.readers import Table, open_registry, source_name_for
from knooppunt.registry.interchange.report import ImportReport
from knooppunt.registry.interchange.searchdocs import DocBuilder
from knooppunt.registry.models import (
    ImportRun,
    Membership,
    Organisation,
    OrganisationSourceId,
    Partnership,
    PartnershipSourceId,
    SbiCode,
)
from knooppunt.registry.services import DATA

ORG_FIELDS = (
    "name",
    "kind",
    "country",
    "municipality_id",
    "city",
    "brin",
    "kvk",
    "website",
    "description",
    "other_themes",
)
PS_FIELDS = (
    "name",
    "kind",
    "country",
    "municipality_id",
    "city",
    "start_year",
    "end_year",
    "description",
    "other_themes",
)
MAX_SOURCE_LENGTH = 100
# Per-object "created" entries in the audit log cost ~15 µs each; above this many new
# objects of a kind, only the import's summary entry records them (see ImportRun).
AUDIT_CREATED_LIMIT = 10_000
ANALYZE_AFTER_ROWS = 10_000  # new or changed organisations and partnerships
# From this many new organisations and partnerships on, the full-text index is rebuilt
# once after the writes instead of being kept row by row (see search.suspend_index).
BULK_INDEX_ROWS = 20_000
PROGRESS_EVERY = 5000


class _Abort(Exception):
    """Raised inside the transaction when the comparison with the registry found errors."""


def import_registry(
    path: Path | str,
    *,
    source: str | None = None,
    dry_run: bool = False,
    actor: Any = None,
    progress: Progress | None = None,
    run: ImportRun | None = None,
    tables: dict[str, Table] | None = None,
) -> ImportReport:
    """Import the registry at `path` (folder, .zip or .xlsx); the report says what happened.

    With `dry_run` (the preview) nothing is written. Otherwise, when the report has no
    errors, everything was written; with errors, nothing was. `run`, when given, is
    updated with the outcome inside the same transaction; without it, a real import
    records a new ImportRun. `tables`, when given, are read instead of `path` (rows made
    in memory, as by `knooppunt generate --direct`); `path` then only names the input.
    """
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(source=(source or source_name_for(path)).strip(), dry_run=dry_run)
    if not report.source or len(report.source) > MAX_SOURCE_LENGTH:
        report.error(
            "",
            0,
            "source",
            _("The source name must have 1 to %(max)d characters.") % {"max": MAX_SOURCE_LENGTH},
        )
        return report
    reference = Reference()
    if tables is not None:
        parsed = parse_registry(tables, report, reference=reference, progress=progress)
    else:
        with open_registry(path, report) as found:
            parsed = parse_registry(found, report, reference=reference, progress=progress)
    report.timings["read_and_check"] = time.perf_counter() - started
    report.count_errors_per_file()
    if report.errors:
        return report
    importer = Importer(parsed, report, reference, progress)
    if dry_run:
        importer.plan()
        report.count_errors_per_file()
        report.timings["total"] = time.perf_counter() - started
        return report
    try:
        with transaction.atomic():
            importer.plan()
            report.count_errors_per_file()
            if report.errors:
                raise _Abort
            importer.apply(actor=actor, run=run, input_name=path.name)
            report.applied = True
            report.timings["total"] = time.perf_counter() - started
            importer.finish_run(actor=actor)
    except _Abort:
        report.applied = False
        return report
    if importer.large:  # once committed: the planner's row estimates are stale
        statistics_started = time.perf_counter()
        search.refresh_statistics()
        report.timings["statistics"] = time.perf_counter() - statistics_started
    return report


@dataclass
class _Change:
    """An existing object the import touches: its final values and what changed."""

    record: Any
    pk: int
    action: str  # updated, unchanged or merged
    final: dict[str, Any]
    changes: dict[str, list[Any]]
    themes: tuple[int, ...]  # final theme ids, vocabulary order
    themes_changed: bool = False
    sbi: tuple[str, ...] = ()
    sbi_changed: bool = False


@dataclass
class _MembershipPlan:
    new: list[MembershipRecord] = field(default_factory=list)
    # (membership pk, partnership pk, role, since_year)
    changed: list[tuple[int, int, str, int | None]] = field(default_factory=list)


class Importer:
    def __init__(
        self,
        parsed: ParsedRegistry,
        report: ImportReport,
        reference: Reference,
        progress: Progress | None = None,
    ) -> None:
        self.parsed = parsed
        self.report = report
        self.ref = reference
        self.progress = progress
        self.source = report.source
        self.org_pk: dict[str, int] = {}
        self.org_new: list[OrganisationRecord] = []
        self.org_existing: list[_Change] = []
        self.ps_pk: dict[str, int] = {}
        self.ps_new: list[PartnershipRecord] = []
        self.ps_existing: list[_Change] = []
        self.memberships = _MembershipPlan()
        self.renamed_orgs: list[int] = []
        self.run: ImportRun | None = None
        self.builder = DocBuilder(reference.themes)

    # --- comparing with the registry -----------------------------------------------------------

    def plan(self) -> None:
        started = time.perf_counter()
        self._plan_organisations()
        self._plan_partnerships()
        self._plan_memberships()
        self.report.timings["compare"] = time.perf_counter() - started

    def _municipality_name(self, pk: int | None) -> str:
        return self.ref.municipality_by_pk(pk).name if pk else ""

    def _display(self, name: str, value: Any) -> Any:
        if name == "municipality_id":
            return self._municipality_name(value) or None
        return value

    def _plan_organisations(self) -> None:
        records = self.parsed.organisations
        report = self.report
        counts = report.counts[ORGANISATIONS]
        label = report.label(ORGANISATIONS)
        known = dict(
            OrganisationSourceId.objects.filter(source=self.source).values_list(
                "external_id", "organisation_id"
            )
        )
        claimed: dict[int, OrganisationRecord] = {}
        for record in records:
            pk = known.get(record.ext_id)
            if pk is not None:
                if pk in claimed:
                    report.error(
                        label,
                        record.line,
                        "id",
                        _("Ids “%(id)s” and “%(other)s” (line %(line)d) are the same organisation.")
                        % {
                            "id": record.ext_id,
                            "other": claimed[pk].ext_id,
                            "line": claimed[pk].line,
                        },
                    )
                claimed[pk] = record
        unknown = [r for r in records if r.ext_id not in known]
        index = ExistingOrganisations(_candidates(unknown)) if unknown else None
        merges: dict[str, tuple[int, str]] = {}
        first_with: dict[tuple[str, str], int] = {}
        for record in unknown:
            for column in ("brin", "kvk"):
                value = getattr(record, column)
                if value:
                    other = first_with.setdefault((column, value), record.line)
                    if other != record.line:
                        report.warning(
                            label,
                            record.line,
                            column,
                            _("Line %(line)d has the same %(column)s; both are imported.")
                            % {"line": other, "column": column},
                        )
            if index:
                match = index.match(
                    name=record.name,
                    brin=record.brin,
                    kvk=record.kvk,
                    municipality_id=record.municipality.pk if record.municipality else None,
                    claimed=claimed.keys(),
                )
                if match is not None:
                    merges[record.ext_id] = match
                    claimed[match[0]] = record
                    continue
            self.org_new.append(record)
        existing_pks = [known[r.ext_id] for r in records if r.ext_id in known]
        existing_pks += [pk for pk, _reason in merges.values()]
        state = self._organisation_state(existing_pks)
        for record in records:
            if record.ext_id in known:
                pk, action = known[record.ext_id], "known"
            elif record.ext_id in merges:
                pk, action = merges[record.ext_id][0], "merged"
            else:
                counts.new += 1
                report.sample(ORGANISATIONS, "new", _sample(record))
                continue
            self.org_pk[record.ext_id] = pk
            change = self._compare_organisation(record, pk, state[pk], action)
            self.org_existing.append(change)
            if change.final["name"] != state[pk][0]["name"]:
                self.renamed_orgs.append(pk)
            if action == "merged":
                counts.merged += 1
                report.merges.append(
                    {
                        "file": label,
                        "line": record.line,
                        "id": record.ext_id,
                        "name": record.name,
                        "target_id": pk,
                        "target_name": state[pk][0]["name"],
                        "reason": merges[record.ext_id][1],
                        "fields": sorted(change.changes),
                    }
                )
            elif change.changes:
                counts.updated += 1
                report.sample(
                    ORGANISATIONS, "updated", {**_sample(record), "fields": sorted(change.changes)}
                )
            else:
                counts.unchanged += 1

    def _organisation_state(
        self, pks: list[int]
    ) -> dict[int, tuple[dict[str, Any], tuple[int, ...], tuple[str, ...]]]:
        values: dict[int, dict[str, Any]] = {}
        for row in bulk.values_in(Organisation.objects.all(), "id", pks, "id", *ORG_FIELDS):
            values[row[0]] = dict(zip(ORG_FIELDS, row[1:], strict=True))
        themes: dict[int, list[int]] = {}
        through = Organisation.themes.through
        for org_id, theme_id in bulk.values_in(
            through.objects.all(), "organisation_id", pks, "organisation_id", "theme_id"
        ):
            themes.setdefault(org_id, []).append(theme_id)
        sbi: dict[int, list[str]] = {}
        for org_id, code in bulk.values_in(
            Organisation.sbi_codes.through.objects.all(),
            "organisation_id",
            pks,
            "organisation_id",
            "sbicode__code",
        ):
            sbi.setdefault(org_id, []).append(code)
        order = self.ref.theme_order
        return {
            pk: (
                values[pk],
                tuple(sorted(themes.get(pk, ()), key=lambda t: order.get(t, t))),
                tuple(sorted(sbi.get(pk, ()))),
            )
            for pk in values
        }

    def _compare_organisation(
        self,
        record: OrganisationRecord,
        pk: int,
        state: tuple[dict[str, Any], tuple[int, ...], tuple[str, ...]],
        action: str,
    ) -> _Change:
        before, themes, sbi = state
        given = _given(
            record, ("country", "city", "brin", "kvk", "website", "description", "other_themes")
        )
        final = {**before, **given}
        changes = {
            name: [self._display(name, before[name]), self._display(name, value)]
            for name, value in given.items()
            if before[name] != value
        }
        change = _Change(
            record=record,
            pk=pk,
            action="merged" if action == "merged" else ("updated" if changes else "unchanged"),
            final=final,
            changes=changes,
            themes=themes,
            sbi=sbi,
        )
        if record.themes is not None and set(record.themes) != set(themes):
            changes["themes"] = [self._theme_names(themes), self._theme_names(record.themes)]
            change.themes, change.themes_changed = record.themes, True
        if record.sbi is not None and set(record.sbi) != set(sbi):
            changes["sbi"] = [list(sbi), list(record.sbi)]
            change.sbi, change.sbi_changed = record.sbi, True
        if changes and change.action == "unchanged":
            change.action = "updated"
        if rules.school_brin_problem(final["kind"], final["brin"]):
            self.report.error(
                self.report.label(ORGANISATIONS),
                record.line,
                "kind",
                _(
                    "The organisation in the registry has BRIN code %(brin)s and only schools "
                    "have one; “%(kind)s” is not a school."
                )
                % {"brin": final["brin"], "kind": final["kind"]},
            )
        return change

    def _theme_names(self, ids: Iterable[int]) -> list[str]:
        return [self.ref.themes[pk].name_nl for pk in ids]

    def _plan_partnerships(self) -> None:
        records = self.parsed.partnerships
        report = self.report
        counts = report.counts[PARTNERSHIPS]
        known = dict(
            PartnershipSourceId.objects.filter(source=self.source).values_list(
                "external_id", "partnership_id"
            )
        )
        pks = [known[r.ext_id] for r in records if r.ext_id in known]
        values: dict[int, dict[str, Any]] = {}
        for row in bulk.values_in(Partnership.objects.all(), "id", pks, "id", *PS_FIELDS):
            values[row[0]] = dict(zip(PS_FIELDS, row[1:], strict=True))
        themes: dict[int, list[int]] = {}
        for ps_id, theme_id in bulk.values_in(
            Partnership.themes.through.objects.all(),
            "partnership_id",
            pks,
            "partnership_id",
            "theme_id",
        ):
            themes.setdefault(ps_id, []).append(theme_id)
        seen: dict[int, PartnershipRecord] = {}
        for record in records:
            pk = known.get(record.ext_id)
            if pk is None or pk not in values:
                self.ps_new.append(record)
                counts.new += 1
                report.sample(PARTNERSHIPS, "new", _sample(record))
                continue
            if pk in seen:
                report.error(
                    report.label(PARTNERSHIPS),
                    record.line,
                    "id",
                    _("Ids “%(id)s” and “%(other)s” (line %(line)d) are the same partnership.")
                    % {"id": record.ext_id, "other": seen[pk].ext_id, "line": seen[pk].line},
                )
            seen[pk] = record
            self.ps_pk[record.ext_id] = pk
            before = values[pk]
            given = _given(
                record,
                ("country", "city", "start_year", "end_year", "description", "other_themes"),
            )
            final = {**before, **given}
            changes = {
                name: [self._display(name, before[name]), self._display(name, value)]
                for name, value in given.items()
                if before[name] != value
            }
            current = tuple(
                sorted(themes.get(pk, ()), key=lambda t: self.ref.theme_order.get(t, t))
            )
            change = _Change(record, pk, "unchanged", final, changes, current)
            if record.themes is not None and set(record.themes) != set(current):
                changes["themes"] = [self._theme_names(current), self._theme_names(record.themes)]
                change.themes, change.themes_changed = record.themes, True
            start, end = final["start_year"], final["end_year"]
            if rules.year_order_problem(start, end):
                report.error(
                    report.label(PARTNERSHIPS),
                    record.line,
                    "end_year" if "end_year" in given else "start_year",
                    _("The end year %(end)d would be before the start year %(start)d.")
                    % {"end": end, "start": start},
                )
            if changes:
                change.action = "updated"
                counts.updated += 1
                report.sample(
                    PARTNERSHIPS, "updated", {**_sample(record), "fields": sorted(changes)}
                )
            else:
                counts.unchanged += 1
            self.ps_existing.append(change)

    def _plan_memberships(self) -> None:
        report = self.report
        counts = report.counts[MEMBERSHIPS]
        ps_pks = set(self.ps_pk.values())
        existing: dict[tuple[int, int], tuple[int, str, int | None]] = {}
        for ps_id, org_id, pk, role, since in bulk.values_in(
            Membership.objects.order_by(),
            "partnership_id",
            ps_pks,
            "partnership_id",
            "organisation_id",
            "id",
            "role",
            "since_year",
        ):
            existing[ps_id, org_id] = (pk, role, since)
        for record in self.parsed.memberships:
            ps_pk = self.ps_pk.get(record.partnership_id)
            org_pk = self.org_pk.get(record.organisation_id)
            found = existing.get((ps_pk, org_pk)) if ps_pk and org_pk else None
            if found is None or ps_pk is None:
                self.memberships.new.append(record)
                counts.new += 1
                report.sample(
                    MEMBERSHIPS,
                    "new",
                    {
                        "line": record.line,
                        "partnership_id": record.partnership_id,
                        "organisation_id": record.organisation_id,
                        "role": record.role or DEFAULT_ROLE,
                    },
                )
                continue
            pk, role, since = found
            new_role = record.role or role
            new_since = record.since_year if record.since_year is not None else since
            if (new_role, new_since) == (role, since):
                counts.unchanged += 1
                continue
            self.memberships.changed.append((pk, ps_pk, new_role, new_since))
            counts.updated += 1
            fields = [
                n
                for n, a, b in (("role", role, new_role), ("since_year", since, new_since))
                if a != b
            ]
            report.sample(
                MEMBERSHIPS,
                "updated",
                {
                    "line": record.line,
                    "partnership_id": record.partnership_id,
                    "organisation_id": record.organisation_id,
                    "fields": fields,
                },
            )

    # --- writing ---------------------------------------------------------------------------------

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress and total and (done % PROGRESS_EVERY == 0 or done == total):
            self.progress(stage, done, total)

    def _counted(self, stage: str, rows: Iterable[Any], total: int) -> Iterator[Any]:
        self._tick(stage, 0, total)
        for done, row in enumerate(rows, start=1):
            yield row
            self._tick(stage, done, total)

    def apply(self, *, actor: Any, run: ImportRun | None, input_name: str) -> None:
        started = time.perf_counter()
        self.now = timezone.now()
        self.dbnow = bulk.db_datetime(self.now)
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        # registry.workflows imports this package (for the run's files): import it late.
        from knooppunt.registry.workflows import IMPORT_RUN

        if run is None:
            run = IMPORT_RUN.create(
                ImportRun(
                    source=self.source, input_name=input_name[:300], created_by_id=self.actor_id
                ),
                "command",
                actor=None,
            )
        self.run = run
        self.actor = actor
        self._audit_rows: list[tuple[Any, ...]] = []
        # Per model: (counts, ids written), for one bulk audit entry each (see _write_audit).
        self._bulk: dict[type[models.Model], tuple[dict[str, int], list[int]]] = {}
        steps = (
            ("sbi", self._add_sbi_codes),
            ("organisations", self._write_organisations),
            ("partnerships", self._write_partnerships),
            ("memberships", self._write_memberships),
            ("search", self._reindex_partnerships),
            ("audit", self._write_audit),
        )
        bulk_index = len(self.org_new) + len(self.ps_new) >= BULK_INDEX_ROWS
        if bulk_index:
            search.suspend_index()
        with bulk.large_cache():
            for name, step in steps:
                step_started = time.perf_counter()
                step()
                self.report.timings[f"write_{name}"] = time.perf_counter() - step_started
        if bulk_index:
            step_started = time.perf_counter()
            search.resume_index()
            self.report.timings["write_index"] = time.perf_counter() - step_started
        self.report.timings["write"] = time.perf_counter() - started

    @property
    def large(self) -> bool:
        """Whether the import writes enough rows to make the planner's statistics stale."""
        written = len(self.org_new) + len(self.ps_new) + len(self.org_existing)
        return written >= ANALYZE_AFTER_ROWS

    def finish_run(self, *, actor: Any) -> None:
        """Record the outcome on the run and one summary entry in the audit log."""
        run = self.run
        if run is None:
            raise RuntimeError("finish_run() before apply()")
        from knooppunt.registry.workflows import IMPORT_RUN

        report = self.report
        total = sum(c.rows for c in report.counts.values())
        counts = report.totals()
        # Refused (and the whole import rolled back) if the run was discarded or retried
        # meanwhile: then this worker's attempt is not the run's any more.
        IMPORT_RUN.perform(
            run,
            "finish",
            actor=None,
            on_behalf_of=actor,
            fields={
                "finished_at": timezone.now(),
                "counts": counts,
                "report": report.to_json(),
                "progress_stage": "done",
                "progress_done": total,
                "progress_total": total,
            },
            changes={"source": [None, run.source], "counts": [None, counts]},
            expect={"attempt": run.attempt},
        )

    def _add_sbi_codes(self) -> None:
        missing = sorted(
            self.parsed.new_sbi_codes - set(SbiCode.objects.values_list("code", flat=True))
        )
        if missing:
            SbiCode.objects.bulk_create([sbi_code_for_prefix(code) for code in missing])
        self.sbi_ids = dict(SbiCode.objects.values_list("code", "id"))

    def _org_doc(self, values: dict[str, Any], theme_ids: tuple[int, ...]) -> str:
        return self.builder.organisation(
            kind=values["kind"],
            municipality_id=values["municipality_id"],
            name=values["name"],
            city=values["city"],
            municipality_name=self._municipality_name(values["municipality_id"]),
            description=values["description"],
            brin=values["brin"],
            kvk=values["kvk"],
            other_themes=values["other_themes"],
            theme_ids=theme_ids,
        )

    def _write_organisations(self) -> None:
        new = self.org_new
        pks = bulk.reserve_ids(Organisation, len(new))
        for record, pk in zip(new, pks, strict=True):
            self.org_pk[record.ext_id] = pk
        writer = RowWriter(Organisation, ("id", "search_document", *ORG_FIELDS), self.dbnow)
        municipality_names = {m.pk: m.name for m in self.ref.municipalities.values()}
        document = self.builder.organisation

        def rows() -> Iterator[tuple[Any, ...]]:
            for record, pk in zip(new, pks, strict=True):
                municipality = record.municipality
                city = record.city or ""
                brin = record.brin or ""
                kvk = record.kvk or ""
                description = record.description or ""
                other_themes = record.other_themes or ""
                doc = document(
                    kind=record.kind,
                    municipality_id=municipality.pk if municipality else None,
                    name=record.name,
                    city=city,
                    municipality_name=municipality_names[municipality.pk] if municipality else "",
                    description=description,
                    brin=brin,
                    kvk=kvk,
                    other_themes=other_themes,
                    theme_ids=record.themes or (),
                )
                yield writer.row(
                    (
                        pk,
                        doc,
                        record.name,
                        record.kind,
                        record.country or NETHERLANDS,
                        municipality.pk if municipality else None,
                        city,
                        brin,
                        kvk,
                        record.website or "",
                        description,
                        other_themes,
                    )
                )

        writer.insert(self._counted("writing organisations", rows(), len(new)))
        self._write_m2m(
            Organisation.themes.through,
            ("organisation_id", "theme_id"),
            ((pk, t) for record, pk in zip(new, pks, strict=True) for t in record.themes or ()),
        )
        self._write_m2m(
            Organisation.sbi_codes.through,
            ("organisation_id", "sbicode_id"),
            (
                (pk, self.sbi_ids[code])
                for record, pk in zip(new, pks, strict=True)
                for code in record.sbi or ()
            ),
        )
        content_type = ContentType.objects.get_for_model(Organisation).pk
        if len(new) <= AUDIT_CREATED_LIMIT:
            for record, pk in zip(new, pks, strict=True):
                self._audit(
                    content_type,
                    pk,
                    record.name,
                    "registry.organisation.created",
                    {"source": [None, f"{self.source}: {record.ext_id}"]},
                )
        # Existing organisations: updated and merged ones.
        changed = [c for c in self.org_existing if c.action != "unchanged"]
        columns = (*ORG_FIELDS, "search_document", "updated_at")
        bulk.update(
            Organisation,
            _column_names(Organisation, columns),
            self._counted(
                "updating organisations",
                (
                    (
                        *(c.final[f] for f in ORG_FIELDS),
                        self._org_doc(c.final, c.themes),
                        self.dbnow,
                        c.pk,
                    )
                    for c in changed
                ),
                len(changed),
            ),
        )
        self._replace_m2m(
            Organisation.themes.through,
            ("organisation_id", "theme_id"),
            {c.pk: c.themes for c in changed if c.themes_changed},
        )
        self._replace_m2m(
            Organisation.sbi_codes.through,
            ("organisation_id", "sbicode_id"),
            {c.pk: tuple(self.sbi_ids[s] for s in c.sbi) for c in changed if c.sbi_changed},
        )
        source_rows = [(pk, self.source, r.ext_id) for r, pk in zip(new, pks, strict=True)]
        source_rows += [
            (c.pk, self.source, c.record.ext_id) for c in changed if c.action == "merged"
        ]
        # In the order of the unique (source, external_id) index: appending to it is cheaper.
        source_rows.sort(key=lambda row: row[2])
        bulk.insert(
            OrganisationSourceId,
            _column_names(OrganisationSourceId, ("organisation_id", "source", "external_id")),
            source_rows,
        )
        merged = sum(1 for c in changed if c.action == "merged")
        self._bulk[Organisation] = (
            {"created": len(new), "updated": len(changed) - merged, "merged": merged},
            [*pks, *(c.pk for c in changed)],
        )
        for c in changed:
            action = (
                "registry.organisation.merged"
                if c.action == "merged"
                else "registry.organisation.updated"
            )
            changes = dict(c.changes)
            if c.action == "merged":
                changes["source"] = [None, f"{self.source}: {c.record.ext_id}"]
            self._audit(content_type, c.pk, c.final["name"], action, changes)

    def _write_m2m(
        self, through: type[models.Model], columns: tuple[str, str], rows: Iterable[tuple[int, int]]
    ) -> None:
        bulk.insert(through, _column_names(through, columns), rows)

    def _replace_m2m(
        self,
        through: type[models.Model],
        columns: tuple[str, str],
        targets: dict[int, tuple[int, ...]],
    ) -> None:
        if not targets:
            return
        bulk.delete_in(through, columns[0], list(targets))
        self._write_m2m(through, columns, ((pk, t) for pk, ids in targets.items() for t in ids))

    def _write_partnerships(self) -> None:
        new = self.ps_new
        pks = bulk.reserve_ids(Partnership, len(new))
        for record, pk in zip(new, pks, strict=True):
            self.ps_pk[record.ext_id] = pk
        writer = RowWriter(Partnership, ("id", *PS_FIELDS), self.dbnow)

        def rows() -> Iterator[tuple[Any, ...]]:
            for record, pk in zip(new, pks, strict=True):
                yield writer.row(
                    (
                        pk,
                        record.name,
                        record.kind,
                        record.country or NETHERLANDS,
                        record.municipality.pk if record.municipality else None,
                        record.city or "",
                        record.start_year,
                        record.end_year,
                        record.description or "",
                        record.other_themes or "",
                    )
                )

        writer.insert(self._counted("writing partnerships", rows(), len(new)))
        self._write_m2m(
            Partnership.themes.through,
            ("partnership_id", "theme_id"),
            ((pk, t) for record, pk in zip(new, pks, strict=True) for t in record.themes or ()),
        )
        bulk.insert(
            PartnershipSourceId,
            _column_names(PartnershipSourceId, ("partnership_id", "source", "external_id")),
            ((pk, self.source, r.ext_id) for r, pk in zip(new, pks, strict=True)),
        )
        changed = [c for c in self.ps_existing if c.action != "unchanged"]
        bulk.update(
            Partnership,
            _column_names(Partnership, (*PS_FIELDS, "updated_at")),
            ((*(c.final[f] for f in PS_FIELDS), self.dbnow, c.pk) for c in changed),
        )
        self._replace_m2m(
            Partnership.themes.through,
            ("partnership_id", "theme_id"),
            {c.pk: c.themes for c in changed if c.themes_changed},
        )
        self._bulk[Partnership] = (
            {"created": len(new), "updated": len(changed)},
            [*pks, *(c.pk for c in changed)],
        )
        content_type = ContentType.objects.get_for_model(Partnership).pk
        for record, pk in zip(new, pks, strict=True) if len(new) <= AUDIT_CREATED_LIMIT else ():
            self._audit(
                content_type,
                pk,
                record.name,
                "registry.partnership.created",
                {"source": [None, f"{self.source}: {record.ext_id}"]},
            )
        for c in changed:
            self._audit(
                content_type, c.pk, c.final["name"], "registry.partnership.updated", c.changes
            )
        self.touched_partnerships = set(pks) | {c.pk for c in changed}

    def _write_memberships(self) -> None:
        plan = self.memberships
        writer = RowWriter(
            Membership, ("partnership_id", "organisation_id", "role", "since_year"), self.dbnow
        )
        writer.insert(
            self._counted(
                "writing memberships",
                (
                    writer.row(
                        (
                            self.ps_pk[r.partnership_id],
                            self.org_pk[r.organisation_id],
                            r.role or DEFAULT_ROLE,
                            r.since_year,
                        )
                    )
                    for r in plan.new
                ),
                len(plan.new),
            )
        )
        bulk.update(
            Membership,
            _column_names(Membership, ("role", "since_year")),
            ((role, since, pk) for pk, _ps, role, since in plan.changed),
        )
        self._bulk[Membership] = (
            {"created": len(plan.new), "updated": len(plan.changed)},
            [pk for pk, _ps, _role, _since in plan.changed],  # new ones: see the run
        )
        self.touched_partnerships |= {self.ps_pk[r.partnership_id] for r in plan.new}
        self.touched_partnerships |= {ps for _pk, ps, _role, _since in plan.changed}

    def _reindex_partnerships(self) -> None:
        pks = set(self.touched_partnerships)
        if self.renamed_orgs:
            pks |= {
                row[0]
                for row in bulk.values_in(
                    Membership.objects.order_by(),
                    "organisation_id",
                    self.renamed_orgs,
                    "partnership_id",
                )
            }
        reindex_partnerships(
            sorted(pks),
            self.builder,
            self.ref.theme_order,
            progress=lambda done, total: self._tick("indexing partnerships", done, total),
        )

    def _audit(
        self, content_type: int, pk: int, name: str, action: str, changes: dict[str, Any]
    ) -> None:
        self._audit_rows.append((content_type, pk, name[:300], action, changes))

    def _write_audit(self) -> None:
        from knooppunt.core.models import AuditEntry

        writer = RowWriter(
            AuditEntry,
            ("actor_id", "action", "target_type_id", "target_id", "target_repr", "changes"),
            self.dbnow,
        )
        run_id = self.run.pk if self.run else None
        writer.insert(
            writer.row(
                (
                    self.actor_id,
                    action,
                    content_type,
                    pk,
                    name,
                    json.dumps({**changes, "import": [None, run_id]}),
                )
            )
            for content_type, pk, name, action, changes in self._audit_rows
        )
        self._audit_rows = []
        # One bulk entry per kind of object written: counts, ids, and the run that wrote them
        # (also when there were too many new objects for an entry each).
        for model, (counts, ids) in self._bulk.items():
            if any(counts.values()):
                audit_bulk(
                    actor=self.actor,
                    action=f"registry.{model._meta.model_name}.imported",
                    model=model,
                    counts=counts,
                    ids=ids,
                    reference=self.run,
                )


def _candidates(records: list[OrganisationRecord]) -> list[tuple[int, str, str, str, int | None]]:
    """The organisations in the registry that rows without a known id might be: same BRIN,
    same KvK number, or in a municipality the rows name. Ordered by pk."""
    fields = ("id", "name", "brin", "kvk", "municipality_id")
    rows: dict[int, tuple[int, str, str, str, int | None]] = {}
    lookups = (
        ("brin", {r.brin for r in records if r.brin}),
        ("kvk", {r.kvk for r in records if r.kvk}),
        ("municipality_id", {r.municipality.pk for r in records if r.municipality}),
    )
    for column, values in lookups:
        for row in bulk.values_in(Organisation.objects.order_by(), column, values, *fields):
            rows[row[0]] = row
    return [rows[pk] for pk in sorted(rows)]


def _sample(record: OrganisationRecord | PartnershipRecord) -> dict[str, Any]:
    return {"line": record.line, "id": record.ext_id, "name": record.name}


def _given(record: Any, optional: Iterable[str]) -> dict[str, Any]:
    """The values a row gives: name and kind always, others when the cell is not empty."""
    given: dict[str, Any] = {"name": record.name, "kind": record.kind}
    if record.municipality_set:
        given["municipality_id"] = record.municipality.pk if record.municipality else None
    for name in optional:
        if name == "municipality_id":
            continue
        value = getattr(record, name)
        if value is not None:
            given[name] = value
    return given


def _column_names(model: type[models.Model], attnames: Iterable[str]) -> list[str]:
    columns = {f.attname: str(f.column) for f in model._meta.concrete_fields}
    return [columns[name] for name in attnames]


class RowWriter:
    """Rows for `bulk.insert`: the given values, in the order of `given`, then every other
    column's default (the same for every row: computed once)."""

    def __init__(self, model: type[models.Model], given: Iterable[str], dbnow: Any) -> None:
        self.model = model
        given = list(given)
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = [str(by_attname[name].column) for name in given]
        tail = []
        for f in model._meta.concrete_fields:
            if f.attname in given or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                tail.append(dbnow)
            else:
                tail.append(f.get_db_prep_save(f.get_default(), connection))
            self.columns.append(str(f.column))
        self.tail = tuple(tail)

    def row(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        return values + self.tail

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> int:
        return bulk.insert(self.model, self.columns, rows)


def reindex_partnerships(
    pks: list[int],
    builder: DocBuilder,
    theme_order: dict[int, int],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Recompute the search documents of partnerships `pks` in bulk; returns how many changed."""
    if not pks:
        return 0
    themes: dict[int, list[int]] = {}
    for ps_id, theme_id in bulk.values_in(
        Partnership.themes.through.objects.all(),
        "partnership_id",
        pks,
        "partnership_id",
        "theme_id",
    ):
        themes.setdefault(ps_id, []).append(theme_id)
    members: dict[int, list[str]] = {}
    for ps_id, name in bulk.values_in(
        Membership.objects.order_by("partnership_id", "role", "organisation__name"),
        "partnership_id",
        pks,
        "partnership_id",
        "organisation__name",
    ):
        members.setdefault(ps_id, []).append(name)
    updates = []
    rows = bulk.values_in(
        Partnership.objects.order_by(),
        "id",
        pks,
        "id",
        "kind",
        "municipality_id",
        "name",
        "city",
        "municipality__name",
        "description",
        "goals",
        "other_themes",
        "search_document",
    )
    for done, row in enumerate(rows, start=1):
        pk, kind, municipality_id, name, city, municipality, description, goals, other, document = (
            row
        )
        new_document = builder.partnership(
            kind=kind,
            municipality_id=municipality_id,
            name=name,
            city=city,
            municipality_name=municipality or "",
            description=description,
            goals=goals,
            other_themes=other,
            theme_ids=sorted(themes.get(pk, ()), key=lambda t: theme_order.get(t, t)),
            member_names=members.get(pk, ()),
        )
        if new_document != document:
            updates.append((new_document, pk))
        if progress:
            progress(done, len(pks))
    bulk.update(Partnership, ["search_document"], updates, bump_version=False)
    return len(updates)


# --- SBI divisions and groups --------------------------------------------------------------------


def _sections() -> list[dict[str, str]]:
    with (DATA / "sbi_sections.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sbi_code_for_prefix(code: str) -> SbiCode:
    """An SbiCode row for a 2-digit division or 3-digit group, named after its section."""
    division = int(code[:2])
    section = next(
        (s for s in _sections() if int(s["division_from"]) <= division <= int(s["division_to"])),
        None,
    )
    level = "SBI-afdeling" if len(code) == 2 else "SBI-groep"
    if section is None:
        return SbiCode(code=code, name_nl=f"{level} {code}", section="")
    return SbiCode(
        code=code,
        name_nl=f"{level} {code} (sectie {section['section']}: {section['name_nl']})",
        section=section["section"],
    )
