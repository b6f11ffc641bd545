"""`knooppunt generate`: a synthetic national registry, to a folder or into the database.

    knooppunt generate --organisations 250000 --partnerships 5000 --memberships 100000 \\
        --seed 1 --out DIR

writes organisations.csv, partnerships.csv and memberships.csv in the interchange format
(see `knooppunt.synthetic.generate` for what the data look like). Without --out the data
go into the database through the registry import (`knooppunt.registry.interchange`, the
same code as `knooppunt import-registry`), or with --direct straight in with bulk inserts.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from knooppunt.synthetic.generate import generate

DEFAULT_SOURCE = "generated"


class Command(BaseCommand):
    help = (
        "Generate a synthetic registry (fictional companies and partnerships, real schools "
        "and public bodies) in the interchange CSV format, or load it into the database."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisations", type=int, default=250_000)
        parser.add_argument("--partnerships", type=int, default=5_000)
        parser.add_argument("--memberships", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--out", help="Folder to write the three CSV files to; omit to load the database."
        )
        parser.add_argument(
            "--source",
            default=DEFAULT_SOURCE,
            help=f"Source name for the ids when loading the database (default {DEFAULT_SOURCE}).",
        )
        parser.add_argument(
            "--direct",
            action="store_true",
            help="Load with bulk inserts instead of the registry import (no audit, no merges).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = {
            "organisations": options["organisations"],
            "partnerships": options["partnerships"],
            "memberships": options["memberships"],
            "seed": options["seed"],
        }
        if options["out"]:
            counts = self._generate(Path(options["out"]), sizes)
            self.stdout.write(
                f"Wrote {counts.organisation_total} organisations, "
                f"{counts.partnership_total} partnerships and {counts.memberships} memberships "
                f"to {options['out']} in {counts.seconds:.1f} s."
            )
            return
        if settings.PRODUCTION:
            raise CommandError("Refusing to load generated (fictional) data under production.")
        with tempfile.TemporaryDirectory(prefix="knooppunt-generate-") as tmp:
            folder = Path(tmp)
            self._generate(folder, sizes)
            started = time.perf_counter()
            if options["direct"]:
                counts = load_direct(folder, source=options["source"])
                self.stdout.write(
                    "Loaded " + ", ".join(f"{v} {k}" for k, v in counts.items()) + " directly"
                )
            else:
                self._import(folder, options["source"])
            self.stdout.write(f"Loaded in {time.perf_counter() - started:.1f} s.")

    def _import(self, folder: Path, source: str) -> None:
        from knooppunt.registry.interchange import import_registry

        load_reference_data()
        report = import_registry(folder, source=source)
        for error in report.errors[:20]:
            self.stderr.write(f"error: {error}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported.")
        for name, c in report.counts.items():
            self.stdout.write(
                f"{name}: {c.rows} rows, {c.new} new, {c.updated} updated, "
                f"{c.unchanged} unchanged, {c.merged} merged"
            )

    def _generate(self, folder: Path, sizes: dict[str, int]) -> Any:
        try:
            return generate(folder, **sizes)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc


# --- loading ---------------------------------------------------------------------------

CHUNK = 2000


def load_reference_data() -> None:
    """Places, themes and SBI codes (idempotent): an import needs them to resolve codes."""
    from knooppunt.places.services import places_load_reference
    from knooppunt.registry.services import sbi_load_reference, themes_load_reference

    places_load_reference()
    themes_load_reference()
    sbi_load_reference()


def _chunks(folder: Path, name: str) -> Iterator[list[dict[str, str]]]:
    """The rows of a CSV file, CHUNK at a time (the files can be large)."""
    with (folder / name).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        while chunk := list(islice(reader, CHUNK)):
            yield chunk


def _year(value: str) -> int | None:
    return int(value) if value else None


@transaction.atomic
def load_direct(folder: Path, *, source: str = DEFAULT_SOURCE) -> dict[str, int]:
    """Bulk-insert a generated registry, a chunk at a time, with its search documents.

    Meant for an empty or generated-only database: ids already known under `source` are
    skipped, nothing is updated and no audit entries are written (the data are fictional).
    Search documents come from the registry's own `organisation_search_document` and
    `partnership_search_document`, computed per chunk and written with one UPDATE per row;
    `registry_reindex_all()` gives the same result but took about 10 minutes at 250,000
    organisations, so it is not used here.
    """
    from django.db import connection
    from django.db.models import prefetch_related_objects

    from knooppunt.core.text import fold
    from knooppunt.places.models import Municipality
    from knooppunt.registry.models import (
        Membership,
        Organisation,
        OrganisationSourceId,
        Partnership,
        PartnershipSourceId,
        SbiCode,
        Theme,
    )
    from knooppunt.registry.services import (
        organisation_search_document,
        partnership_search_document,
        theme_lookup,
    )

    load_reference_data()
    municipalities = {
        m.code: m for m in Municipality.objects.select_related("province", "labour_market_region")
    }
    sbi_ids = dict(SbiCode.objects.values_list("code", "id"))
    lookup = {key: theme.pk for key, theme in theme_lookup().items()}
    for theme in Theme.objects.all():  # a theme's own Dutch name always means that theme
        lookup[fold(theme.name_nl)] = theme.pk
    cell_themes: dict[str, list[int]] = {}

    def theme_ids(cell: str) -> list[int]:
        if cell not in cell_themes:
            ids: list[int] = []
            for text in cell.split(";"):
                pk = lookup.get(fold(text))
                if pk is not None and pk not in ids:
                    ids.append(pk)
            cell_themes[cell] = ids
        return cell_themes[cell]

    def write_documents(model: Any, documents: list[tuple[str, int]]) -> None:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET search_document = %s WHERE id = %s",  # noqa: S608
                documents,
            )

    org_id = dict(
        OrganisationSourceId.objects.filter(source=source).values_list(
            "external_id", "organisation_id"
        )
    )
    OrgThemes = Organisation.themes.through
    OrgSbi = Organisation.sbi_codes.through
    n_orgs = 0
    for chunk in _chunks(folder, "organisations.csv"):
        rows = [r for r in chunk if r["id"] not in org_id]
        orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    kind=r["kind"],
                    name=r["name"],
                    municipality=municipalities.get(r["municipality_code"]),
                    city=r["city"],
                    brin=r["brin"],
                    kvk=r["kvk"],
                    website=r["website"],
                    description=r["description"],
                )
                for r in rows
            ]
        )
        links: list[Any] = []
        sbi_links: list[Any] = []
        for row, org in zip(rows, orgs, strict=True):
            org_id[row["id"]] = org.pk
            links += [
                OrgThemes(organisation_id=org.pk, theme_id=t) for t in theme_ids(row["themes"])
            ]
            sbi_links += [
                OrgSbi(organisation_id=org.pk, sbicode_id=sbi_ids[code])
                for code in row["sbi"].split(";")
                if code in sbi_ids
            ]
        OrganisationSourceId.objects.bulk_create(
            [
                OrganisationSourceId(organisation_id=o.pk, source=source, external_id=r["id"])
                for r, o in zip(rows, orgs, strict=True)
            ]
        )
        OrgThemes.objects.bulk_create(links)
        OrgSbi.objects.bulk_create(sbi_links)
        prefetch_related_objects(orgs, "themes")
        write_documents(Organisation, [(organisation_search_document(o), o.pk) for o in orgs])
        n_orgs += len(orgs)

    ps_id = dict(
        PartnershipSourceId.objects.filter(source=source).values_list(
            "external_id", "partnership_id"
        )
    )
    new_ps: dict[str, Partnership] = {}
    PsThemes = Partnership.themes.through
    for chunk in _chunks(folder, "partnerships.csv"):
        rows = [r for r in chunk if r["id"] not in ps_id]
        partnerships = Partnership.objects.bulk_create(
            [
                Partnership(
                    kind=r["kind"],
                    name=r["name"],
                    municipality=municipalities.get(r["municipality_code"]),
                    city=r["city"],
                    start_year=_year(r["start_year"]),
                    end_year=_year(r["end_year"]),
                    description=r["description"],
                )
                for r in rows
            ]
        )
        ps_links: list[Any] = []
        for row, ps in zip(rows, partnerships, strict=True):
            new_ps[row["id"]] = ps
            ps_links += [
                PsThemes(partnership_id=ps.pk, theme_id=t) for t in theme_ids(row["themes"])
            ]
        PartnershipSourceId.objects.bulk_create(
            [
                PartnershipSourceId(partnership_id=p.pk, source=source, external_id=r["id"])
                for r, p in zip(rows, partnerships, strict=True)
            ]
        )
        PsThemes.objects.bulk_create(ps_links)
    n_members = 0
    for chunk in _chunks(folder, "memberships.csv"):
        members = [
            Membership(
                partnership_id=new_ps[r["partnership_id"]].pk,
                organisation_id=org_id[r["organisation_id"]],
                role=r["role"] or "member",
                since_year=_year(r["since_year"]),
            )
            for r in chunk
            if r["partnership_id"] in new_ps
        ]
        Membership.objects.bulk_create(members)
        n_members += len(members)
    ps_list = list(new_ps.values())
    for i in range(0, len(ps_list), CHUNK):
        batch = ps_list[i : i + CHUNK]
        prefetch_related_objects(batch, "themes")
        write_documents(Partnership, [(partnership_search_document(p), p.pk) for p in batch])
    return {"organisations": n_orgs, "partnerships": len(ps_list), "memberships": n_members}
