"""The registry as the matcher's arrays: built from the database, cached per process.

`current()` returns a `Snapshot` of the whole registry (organisations, partnerships,
memberships, themes, places, partner profiles) as `scoring.Network` arrays plus the
maps between database ids and array indices. Building it reads each table once
(about 1-2 s at 250,000 organisations); it is then kept in memory and rebuilt only
when `registry_version()` changes: the newest audit entry, membership and
profile, and the newest change to an organisation or partnership (each an indexed
MAX, so checking costs a few milliseconds).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from django.db.models import Max

from knooppunt.core.models import AuditEntry
from knooppunt.core.text import index_terms, query_terms
from knooppunt.matching.models import PartnerProfile
from knooppunt.matching.scoring import (
    MAX_THEMES,
    OFFER_KINDS,
    ORG_KINDS,
    PARTNERSHIP_KINDS,
    Network,
)
from knooppunt.places.models import LabourMarketRegion, Municipality, Province
from knooppunt.registry.models import Membership, Organisation, Partnership, Theme


@dataclass(eq=False)  # numpy fields: no generated ==
class Reference:
    """Themes and places as array indices, shared by every network built here.

    The place arrays (`m_region`, `m_province`, `m_lat`, `m_lon`) are indexed by
    municipality index and end with a sentinel for index -1 (no municipality).
    """

    themes: list[Theme]  # index -> theme
    theme_index: dict[int, int]  # theme id -> index
    theme_parent: np.ndarray
    theme_terms: list[set[str]]  # index -> the terms of its names and synonyms
    municipalities: list[Municipality]  # index -> municipality
    municipality_index: dict[int, int]
    regions: list[LabourMarketRegion]
    region_index: dict[int, int]
    provinces: list[Province]
    province_index: dict[int, int]
    m_region: np.ndarray
    m_province: np.ndarray
    m_lat: np.ndarray
    m_lon: np.ndarray

    def theme_mask(self, theme_ids: Iterable[int] | None) -> int:
        mask = 0
        for pk in theme_ids or ():
            idx = self.theme_index.get(pk)
            if idx is not None:
                mask |= 1 << idx
        return mask

    def themes_in_mask(self, mask: int) -> list[Theme]:
        return [t for i, t in enumerate(self.themes) if mask >> i & 1]

    def themes_for_text(self, text: str) -> int:
        """Themes whose names or synonyms the text mentions (stems, accent-folded)."""
        words = set(query_terms(text))
        mask = 0
        for i, terms in enumerate(self.theme_terms):
            if words & terms:
                mask |= 1 << i
        return mask

    def municipality_indices(self, ids: Iterable[int | None]) -> np.ndarray:
        """Municipality ids (or None) as indices (-1: none or unknown)."""
        index = self.municipality_index
        return np.array([index.get(pk, -1) if pk else -1 for pk in ids], dtype=np.int32)

    def place_columns(self, muni: np.ndarray, prefix: str = "") -> dict[str, np.ndarray]:
        """`Network.build` place arguments for rows in municipalities `muni`."""
        return {
            f"{prefix}municipality": muni,
            f"{prefix}region": self.m_region[muni],
            f"{prefix}province": self.m_province[muni],
            f"{prefix}lat": self.m_lat[muni],
            f"{prefix}lon": self.m_lon[muni],
        }


@dataclass(eq=False)
class Snapshot(Reference):
    """The registry's network plus the maps between database ids and array indices."""

    net: Network
    version: tuple[Any, ...]
    org_index: dict[int, int]
    p_index: dict[int, int]


def _index(objs: list[Any]) -> dict[int, int]:
    return {obj.pk: i for i, obj in enumerate(objs)}


def _kind_indices(values: Iterable[str], kinds: tuple[str, ...]) -> np.ndarray:
    """Kind codes as indices into `kinds`; an unknown code counts as the last ("other")."""
    index = {k: i for i, k in enumerate(kinds)}
    return np.array([index.get(v, len(kinds) - 1) for v in values], dtype=np.int8)


def load_reference() -> Reference:
    themes = list(Theme.objects.order_by("id"))[:MAX_THEMES]
    theme_index = _index(themes)
    municipalities = list(Municipality.objects.order_by("id"))
    regions = list(LabourMarketRegion.objects.order_by("id"))
    r_index = _index(regions)
    provinces = list(Province.objects.order_by("id"))
    pv_index = _index(provinces)

    def column(values: list[Any], sentinel: Any, dtype: Any) -> np.ndarray:
        return np.array([*values, sentinel], dtype=dtype)

    return Reference(
        themes=themes,
        theme_index=theme_index,
        theme_parent=np.array(
            [theme_index.get(t.parent_id, -1) if t.parent_id else -1 for t in themes],
            dtype=np.int16,
        ),
        theme_terms=[set(index_terms(t.name_nl, t.name_en, *t.synonyms()).split()) for t in themes],
        municipalities=municipalities,
        municipality_index=_index(municipalities),
        regions=regions,
        region_index=r_index,
        provinces=provinces,
        province_index=pv_index,
        m_region=column([r_index[m.labour_market_region_id] for m in municipalities], -1, np.int32),
        m_province=column([pv_index[m.province_id] for m in municipalities], -1, np.int32),
        m_lat=column(
            [np.nan if m.latitude is None else m.latitude for m in municipalities],
            np.nan,
            np.float32,
        ),
        m_lon=column(
            [np.nan if m.longitude is None else m.longitude for m in municipalities],
            np.nan,
            np.float32,
        ),
    )


def registry_version() -> tuple[Any, ...]:
    # One MAX per query on purpose: SQLite answers a lone MIN/MAX from the index, but
    # scans the table for two aggregates in one query.
    return (
        AuditEntry.objects.aggregate(m=Max("id"))["m"],
        Organisation.objects.aggregate(m=Max("updated_at"))["m"],
        Organisation.objects.aggregate(m=Max("id"))["m"],
        Partnership.objects.aggregate(m=Max("updated_at"))["m"],
        Membership.objects.aggregate(m=Max("id"))["m"],
        PartnerProfile.objects.aggregate(m=Max("updated_at"))["m"],
    )


_lock = threading.Lock()
_cached: Snapshot | None = None


def current() -> Snapshot:
    """The snapshot of the registry as it is now (rebuilt when it changed)."""
    global _cached
    version = registry_version()
    snapshot = _cached
    if snapshot is not None and snapshot.version == version:
        return snapshot
    with _lock:
        if _cached is None or _cached.version != version:
            _cached = build(version)
        return _cached


def forget() -> None:
    """Drop the cached snapshot (tests that roll back transactions)."""
    global _cached
    _cached = None


def build(version: tuple[Any, ...] | None = None) -> Snapshot:
    ref = load_reference()
    offer_bit = {k: 1 << i for i, k in enumerate(OFFER_KINDS)}

    rows = list(Organisation.objects.order_by("id").values_list("id", "kind", "municipality_id"))
    n = len(rows)
    org_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    org_index = {int(pk): i for i, pk in enumerate(org_ids)}
    kind = _kind_indices((r[1] for r in rows), ORG_KINDS)
    muni = ref.municipality_indices(r[2] for r in rows)
    del rows
    org_themes = np.zeros(n, dtype=np.uint64)
    through = Organisation.themes.through.objects.values_list("organisation_id", "theme_id")
    for org_id, theme_id in through.iterator(chunk_size=20_000):
        t = ref.theme_index.get(theme_id)
        if t is not None:
            org_themes[org_index[org_id]] |= np.uint64(1 << t)
    offers = np.zeros(n, dtype=np.uint16)
    seeks = np.zeros(n, dtype=np.uint16)
    is_open = np.zeros(n, dtype=np.int8)
    for org_id, open_, offered, sought in PartnerProfile.objects.values_list(
        "organisation_id", "open_to_partnerships", "offers", "seeks"
    ):
        i = org_index[org_id]
        offers[i] = sum(offer_bit.get(v, 0) for v in offered or ())
        seeks[i] = sum(offer_bit.get(v, 0) for v in sought or ())
        is_open[i] = 0 if open_ is None else (1 if open_ else -1)

    p_rows = list(Partnership.objects.order_by("id").values_list("id", "kind", "municipality_id"))
    p_ids = np.array([r[0] for r in p_rows], dtype=np.int64)
    p_index = {int(pk): i for i, pk in enumerate(p_ids)}
    p_themes = np.zeros(len(p_rows), dtype=np.uint64)
    for ps_id, theme_id in Partnership.themes.through.objects.values_list(
        "partnership_id", "theme_id"
    ):
        t = ref.theme_index.get(theme_id)
        if t is not None:
            p_themes[p_index[ps_id]] |= np.uint64(1 << t)
    pairs = np.array(
        [
            (p_index[ps], org_index[org])
            for ps, org in Membership.objects.values_list(
                "partnership_id", "organisation_id"
            ).iterator(chunk_size=20_000)
        ],
        dtype=np.int64,
    ).reshape(-1, 2)

    net = Network.build(
        org_ids=org_ids,
        kind=kind,
        **ref.place_columns(muni),
        themes=org_themes,
        offers=offers,
        seeks=seeks,
        open=is_open,
        theme_parent=ref.theme_parent,
        p_ids=p_ids,
        p_kind=_kind_indices((r[1] for r in p_rows), PARTNERSHIP_KINDS),
        p_themes=p_themes,
        **ref.place_columns(ref.municipality_indices(r[2] for r in p_rows), "p_"),
        memberships=pairs,
    )
    return Snapshot(
        **{f.name: getattr(ref, f.name) for f in fields(Reference)},
        net=net,
        version=version if version is not None else registry_version(),
        org_index=org_index,
        p_index=p_index,
    )


def from_registry_file(path: Any) -> tuple[Network, list[str], list[str]]:
    """A registry folder/zip/xlsx in the interchange format as a `Network`, without storing it.

    Returns the network and the file ids of its organisations and partnerships (in
    index order). Reference data (places, themes) come from the database. Raises
    ValueError with the report's problems when the files do not check out.
    """
    from knooppunt.registry.interchange.parse import Reference, parse_registry
    from knooppunt.registry.interchange.readers import open_registry
    from knooppunt.registry.interchange.report import ImportReport

    report = ImportReport(source="evaluation")
    reference = Reference()
    with open_registry(path, report) as tables:
        parsed = parse_registry(tables, report, reference=reference)
    if report.errors:
        raise ValueError("\n".join(str(p) for p in report.errors[:50]))
    ref = load_reference()
    orgs, parts = parsed.organisations, parsed.partnerships
    org_pos = {r.ext_id: i for i, r in enumerate(orgs)}
    ps_pos = {r.ext_id: i for i, r in enumerate(parts)}
    n = len(orgs)

    def places(records: Any, prefix: str = "") -> dict[str, np.ndarray]:
        muni = ref.municipality_indices(
            r.municipality.pk if r.municipality else None for r in records
        )
        return ref.place_columns(muni, prefix)

    net = Network.build(
        org_ids=np.arange(n, dtype=np.int64),
        kind=_kind_indices((r.kind for r in orgs), ORG_KINDS),
        **places(orgs),
        themes=np.array([ref.theme_mask(r.themes) for r in orgs], np.uint64),
        offers=np.zeros(n, np.uint16),
        seeks=np.zeros(n, np.uint16),
        open=np.zeros(n, np.int8),
        theme_parent=ref.theme_parent,
        p_ids=np.arange(len(parts), dtype=np.int64),
        p_kind=_kind_indices((r.kind for r in parts), PARTNERSHIP_KINDS),
        p_themes=np.array([ref.theme_mask(r.themes) for r in parts], np.uint64),
        **places(parts, "p_"),
        memberships=np.array(
            [(ps_pos[m.partnership_id], org_pos[m.organisation_id]) for m in parsed.memberships],
            dtype=np.int64,
        ).reshape(-1, 2),
    )
    return net, [r.ext_id for r in orgs], [r.ext_id for r in parts]
