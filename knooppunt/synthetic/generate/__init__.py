"""A synthetic national registry in the interchange format (`knooppunt generate`).

Plain Python, no Django: it reads the reference CSVs shipped with the project and
streams three CSV files (`organisations.csv`, `partnerships.csv`, `memberships.csv`,
see `shared/formats/registry-csv.md`) into a folder (`generate()`), or keeps the same
rows in memory (`generate_rows()`). The same seed always gives the same bytes; every
random stream is a `random.Random` seeded from a string (SHA-512 seeding, so
independent of PYTHONHASHSEED), and nothing iterates a set.

The modules: `parameters.py` (the tables of `synthetic/data/generate/`: weights, word
lists, name patterns, with what they mean), `reference.py` (municipalities, themes and
SBI codes from the `places` and `registry` apps), `generator.py` (the drawing) and
`helpers.py` (weighted picking, unique names, identifiers).

What the data look like, and the assumptions behind it
------------------------------------------------------

* **Kinds.** The 107 real mbo, hbo and wo institutions of `registry/data/institutions.csv`
  (real names and BRIN codes) are always included; fictional schools top them up to
  about the real national numbers (vo ~650 school boards/locations, mbo ~60, hbo ~36,
  wo ~14), scaled by `organisations / 250,000`. Every one of the 342 municipalities and
  12 provinces is a public body, plus four ministries. Industry associations (0.4 %),
  knowledge institutes (0.2 %), intermediaries (0.6 %) and others (0.4 %) come next;
  everything left is a company (about 245,000 at full size, close to the ~240,000
  recognised learning companies).
* **Places.** A municipality's weight is a hand-set *province weight* (roughly the
  province's share of business establishments, KvK/CBS, rounded; see
  `PROVINCE_WEIGHTS`) times a *rank weight* `1 / rank` within the province, where the
  ranks follow a hand-made list of each province's largest municipalities
  (`MAIN_MUNICIPALITIES`, by population, most important first) and every other
  municipality of the province shares the next rank. This puts more companies in the
  Randstad (Noord-Holland, Zuid-Holland, Utrecht) and Noord-Brabant than their share of
  municipalities. It is a proxy, not a statistic: real concentration in Amsterdam is
  higher and in the big Brabant cities somewhat lower. Fictional schools follow a
  flatter weight (square root), public bodies sit in their own municipality. An
  organisation's city is the municipality's main place (same name) 60 % of the time,
  otherwise any woonplaats of the municipality from `places/data/places.csv`.
* **Sectors.** A company gets one (80 %) or two SBI 2008 leaf codes (level 4/5, from
  `registry/data/sbi.csv`), drawn with hand-set section weights (trade, construction,
  care, business services and hospitality most common) and regional specialisations per
  province (`PROVINCE_DIVISION_BONUS`: horticulture and ports in Zuid-Holland, chemistry
  in Limburg, high tech in Brabant, ...). Its themes follow from those codes through
  `related_sbi_divisions` in `registry/data/themes.csv`, sometimes with a cross-cutting
  theme that sits under one of them in the theme hierarchy (ict -> ai_data).
* **Partnerships.** Kinds are weighted (`PARTNERSHIP_KIND_WEIGHTS`). Each partnership
  is planted in a labour-market region with a primary theme that companies in that
  region actually have; its lead is a school of a fitting kind in the same region
  (else the same province, a neighbouring province, anywhere). Members come mostly
  (70 %) from organisations in the same region with a matching theme, then from the
  region at large, then from the theme nationwide, then other schools and public bodies:
  a structure a matcher can learn. Sizes are heavy-tailed and add up exactly to the
  requested number of memberships; a pair (partnership, organisation) occurs once.
* **Identifiers.** KvK numbers are 8 digits `00xxxxxx` (a unique permutation, never
  the demo block `0099xxxx`); fictional BRIN codes start with `9` (real ones here start
  with 00-31). Names are built from word lists and are unique (ignoring case and legal
  form). Every generated description starts with "Fictief (gegenereerd)."; the real
  institutions and public bodies say their memberships are fictional.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knooppunt.synthetic.generate.generator import Counts, Generator
from knooppunt.synthetic.generate.parameters import FULL_SIZE, MARK, RANDSTAD_AND_BRABANT, REAL_MARK
from knooppunt.synthetic.generate.reference import PLACES_DATA, REGISTRY_DATA, load_reference

__all__ = [
    "MARK",
    "MEMBERSHIP_COLUMNS",
    "ORGANISATION_COLUMNS",
    "PARTNERSHIP_COLUMNS",
    "PLACES_DATA",
    "RANDSTAD_AND_BRABANT",
    "REAL_MARK",
    "REGISTRY_DATA",
    "Counts",
    "Generated",
    "generate",
    "generate_rows",
]

ORGANISATION_COLUMNS = [
    "id",
    "name",
    "kind",
    "municipality_code",
    "city",
    "brin",
    "kvk",
    "sbi",
    "themes",
    "website",
    "description",
]
PARTNERSHIP_COLUMNS = [
    "id",
    "name",
    "kind",
    "themes",
    "municipality_code",
    "city",
    "start_year",
    "end_year",
    "description",
]
MEMBERSHIP_COLUMNS = ["partnership_id", "organisation_id", "role", "since_year"]


class RowList(list[list[str]]):
    """Stands in for a `csv.writer`: keeps each row, every cell as a CSV file would hold it."""

    def writerow(self, row: Sequence[object]) -> None:
        self.append(["" if cell is None else str(cell) for cell in row])


@dataclass
class Generated:
    """A generated registry in memory: the rows of the three files, without headers."""

    organisations: RowList
    partnerships: RowList
    memberships: RowList
    counts: Counts


def _generator(organisations: int, partnerships: int, memberships: int, seed: int) -> Generator:
    return Generator(
        load_reference(),
        organisations=organisations,
        partnerships=partnerships,
        memberships=memberships,
        seed=seed,
    )


def generate(
    out_dir: Path | str,
    *,
    organisations: int = FULL_SIZE,
    partnerships: int = 5_000,
    memberships: int = 100_000,
    seed: int = 1,
) -> Counts:
    """Write organisations.csv, partnerships.csv and memberships.csv to `out_dir`."""
    started = time.perf_counter()
    out = Path(out_dir)
    gen = _generator(organisations, partnerships, memberships, seed)
    plan = gen.check()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "organisations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ORGANISATION_COLUMNS)
        gen.organisations(writer, plan)
    with (
        (out / "partnerships.csv").open("w", encoding="utf-8", newline="") as ps_fh,
        (out / "memberships.csv").open("w", encoding="utf-8", newline="") as ms_fh,
    ):
        ps_writer = csv.writer(ps_fh)
        ms_writer = csv.writer(ms_fh)
        ps_writer.writerow(PARTNERSHIP_COLUMNS)
        ms_writer.writerow(MEMBERSHIP_COLUMNS)
        gen.partnerships(ps_writer, ms_writer)
    gen.counts.seconds = time.perf_counter() - started
    return gen.counts


def generate_rows(
    *,
    organisations: int = FULL_SIZE,
    partnerships: int = 5_000,
    memberships: int = 100_000,
    seed: int = 1,
) -> Generated:
    """The same registry as `generate()`, as rows in memory (for loading without files)."""
    started = time.perf_counter()
    gen = _generator(organisations, partnerships, memberships, seed)
    plan = gen.check()
    generated = Generated(RowList(), RowList(), RowList(), gen.counts)
    gen.organisations(generated.organisations, plan)
    gen.partnerships(generated.partnerships, generated.memberships)
    gen.counts.seconds = time.perf_counter() - started
    return generated
