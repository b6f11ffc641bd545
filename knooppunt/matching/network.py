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
from dataclasses import dataclass, field
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


@dataclass
class Snapshot:
    net: Network
    version: tuple[Any, ...]
    org_index: dict[int, int]
    p_index: dict[int, int]
    themes: list[Theme]  # index -> theme
    theme_index: dict[int, int]  # theme id -> index
    municipalities: list[Municipality]  # index -> municipality
    municipality_index: dict[int, int]
    regions: list[LabourMarketRegion]
    region_index: dict[int, int]
    provinces: list[Province]
    province_index: dict[int, int]
    theme_terms: list[set[str]] = field(default_factory=list)  # index -> its words' terms

    def theme_mask(self, theme_ids: list[int]) -> int:
        mask = 0
        for pk in theme_ids:
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


def registry_version() -> tuple[Any, ...]:
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


def _index(objs: list[Any]) -> dict[int, int]:
    return {obj.pk: i for i, obj in enumerate(objs)}


def build(version: tuple[Any, ...] | None = None) -> Snapshot:
    themes = list(Theme.objects.order_by("id"))[:MAX_THEMES]
    theme_index = _index(themes)
    theme_parent = np.array(
        [theme_index.get(t.parent_id, -1) if t.parent_id else -1 for t in themes], dtype=np.int16
    )
    municipalities = list(Municipality.objects.order_by("id"))
    m_index = _index(municipalities)
    regions = list(LabourMarketRegion.objects.order_by("id"))
    r_index = _index(regions)
    provinces = list(Province.objects.order_by("id"))
    pv_index = _index(provinces)
    m_region = np.array(
        [r_index[m.labour_market_region_id] for m in municipalities] + [-1], dtype=np.int32
    )
    m_province = np.array([pv_index[m.province_id] for m in municipalities] + [-1], dtype=np.int32)
    m_lat = np.array([m.latitude or np.nan for m in municipalities] + [np.nan], dtype=np.float32)
    m_lon = np.array([m.longitude or np.nan for m in municipalities] + [np.nan], dtype=np.float32)
    kind_index = {k: i for i, k in enumerate(ORG_KINDS)}
    p_kind_index = {k: i for i, k in enumerate(PARTNERSHIP_KINDS)}
    offer_bit = {k: 1 << i for i, k in enumerate(OFFER_KINDS)}

    rows = list(Organisation.objects.order_by("id").values_list("id", "kind", "municipality_id"))
    n = len(rows)
    org_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    org_index = {int(pk): i for i, pk in enumerate(org_ids)}
    kind = np.fromiter((kind_index.get(r[1], len(ORG_KINDS) - 1) for r in rows), np.int8, n)
    muni = np.fromiter(
        (m_index.get(r[2], -1) if r[2] else -1 for r in rows), dtype=np.int32, count=n
    )
    del rows
    org_themes = np.zeros(n, dtype=np.uint64)
    through = Organisation.themes.through.objects.values_list("organisation_id", "theme_id")
    for org_id, theme_id in through.iterator(chunk_size=20_000):
        t = theme_index.get(theme_id)
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
    p = len(p_rows)
    p_ids = np.array([r[0] for r in p_rows], dtype=np.int64)
    p_index = {int(pk): i for i, pk in enumerate(p_ids)}
    p_kind = np.array(
        [p_kind_index.get(r[1], len(PARTNERSHIP_KINDS) - 1) for r in p_rows], dtype=np.int8
    )
    p_muni = np.array([m_index.get(r[2], -1) if r[2] else -1 for r in p_rows], dtype=np.int32)
    p_themes = np.zeros(p, dtype=np.uint64)
    for ps_id, theme_id in Partnership.themes.through.objects.values_list(
        "partnership_id", "theme_id"
    ):
        t = theme_index.get(theme_id)
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
        municipality=muni,
        region=m_region[muni],
        province=m_province[muni],
        lat=m_lat[muni],
        lon=m_lon[muni],
        themes=org_themes,
        offers=offers,
        seeks=seeks,
        open=is_open,
        theme_parent=theme_parent,
        p_ids=p_ids,
        p_kind=p_kind,
        p_themes=p_themes,
        p_municipality=p_muni,
        p_region=m_region[p_muni],
        p_province=m_province[p_muni],
        p_lat=m_lat[p_muni],
        p_lon=m_lon[p_muni],
        memberships=pairs,
    )
    theme_terms = [set(index_terms(t.name_nl, t.name_en, *t.synonyms()).split()) for t in themes]
    return Snapshot(
        net=net,
        version=version if version is not None else registry_version(),
        org_index=org_index,
        p_index=p_index,
        themes=themes,
        theme_index=theme_index,
        municipalities=municipalities,
        municipality_index=m_index,
        regions=regions,
        region_index=r_index,
        provinces=provinces,
        province_index=pv_index,
        theme_terms=theme_terms,
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
    themes = list(Theme.objects.order_by("id"))[:MAX_THEMES]
    theme_index = _index(themes)
    municipalities = list(
        Municipality.objects.order_by("id").select_related("province", "labour_market_region")
    )
    m_index = _index(municipalities)
    regions = {r.pk: i for i, r in enumerate(LabourMarketRegion.objects.order_by("id"))}
    provinces = {p.pk: i for i, p in enumerate(Province.objects.order_by("id"))}

    def place(m: Municipality | None) -> tuple[int, int, int, float, float]:
        if m is None:
            return -1, -1, -1, np.nan, np.nan
        return (
            m_index[m.pk],
            regions[m.labour_market_region_id],
            provinces[m.province_id],
            m.latitude if m.latitude is not None else np.nan,
            m.longitude if m.longitude is not None else np.nan,
        )

    def mask(theme_ids: Any) -> np.uint64:
        bits = 0
        for pk in theme_ids or ():
            if pk in theme_index:
                bits |= 1 << theme_index[pk]
        return np.uint64(bits)

    orgs = parsed.organisations
    o_places = [place(r.municipality) for r in orgs]
    parts = parsed.partnerships
    p_places = [place(r.municipality) for r in parts]
    org_pos = {r.ext_id: i for i, r in enumerate(orgs)}
    ps_pos = {r.ext_id: i for i, r in enumerate(parts)}
    kind_index = {k: i for i, k in enumerate(ORG_KINDS)}
    p_kind_index = {k: i for i, k in enumerate(PARTNERSHIP_KINDS)}
    n = len(orgs)
    net = Network.build(
        org_ids=np.arange(n, dtype=np.int64),
        kind=np.array([kind_index.get(r.kind, len(ORG_KINDS) - 1) for r in orgs], np.int8),
        municipality=np.array([p[0] for p in o_places], np.int32),
        region=np.array([p[1] for p in o_places], np.int32),
        province=np.array([p[2] for p in o_places], np.int32),
        lat=np.array([p[3] for p in o_places], np.float32),
        lon=np.array([p[4] for p in o_places], np.float32),
        themes=np.array([mask(r.themes) for r in orgs], np.uint64),
        offers=np.zeros(n, np.uint16),
        seeks=np.zeros(n, np.uint16),
        open=np.zeros(n, np.int8),
        theme_parent=np.array(
            [theme_index.get(t.parent_id, -1) if t.parent_id else -1 for t in themes], np.int16
        ),
        p_ids=np.arange(len(parts), dtype=np.int64),
        p_kind=np.array(
            [p_kind_index.get(r.kind, len(PARTNERSHIP_KINDS) - 1) for r in parts], np.int8
        ),
        p_themes=np.array([mask(r.themes) for r in parts], np.uint64),
        p_municipality=np.array([p[0] for p in p_places], np.int32),
        p_region=np.array([p[1] for p in p_places], np.int32),
        p_province=np.array([p[2] for p in p_places], np.int32),
        p_lat=np.array([p[3] for p in p_places], np.float32),
        p_lon=np.array([p[4] for p in p_places], np.float32),
        memberships=np.array(
            [(ps_pos[m.partnership_id], org_pos[m.organisation_id]) for m in parsed.memberships],
            dtype=np.int64,
        ).reshape(-1, 2),
    )
    return net, [r.ext_id for r in orgs], [r.ext_id for r in parts]
