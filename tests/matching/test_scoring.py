"""The pure matchmaking scorer: network arrays, components, ranking and its properties."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knooppunt.matching.scoring import (
    COMPONENTS,
    DEFAULT_WEIGHTS,
    ORG_KINDS,
    PARTNERSHIP_KINDS,
    Network,
    Seeker,
    score,
    score_all,
    seeker_for_organisation,
    seeker_for_partnership,
)

COMPANY = ORG_KINDS.index("company")
MBO = ORG_KINDS.index("school_mbo")
VO = ORG_KINDS.index("school_vo")
CIV = PARTNERSHIP_KINDS.index("civ")


def make_network(n: int, memberships: list[tuple[int, int]], n_parts: int, **org: Any) -> Network:
    """A network of n organisations; per-organisation arrays default to 'unknown'."""
    columns: dict[str, Any] = {
        "kind": [COMPANY] * n,
        "municipality": [-1] * n,
        "region": [-1] * n,
        "province": [-1] * n,
        "lat": [math.nan] * n,
        "lon": [math.nan] * n,
        "themes": [0] * n,
        "offers": [0] * n,
        "seeks": [0] * n,
        "open": [0] * n,
    }
    parts: dict[str, Any] = {
        "p_kind": [CIV] * n_parts,
        "p_themes": [0] * n_parts,
        "p_municipality": [-1] * n_parts,
        "p_region": [-1] * n_parts,
        "p_province": [-1] * n_parts,
        "p_lat": [math.nan] * n_parts,
        "p_lon": [math.nan] * n_parts,
    }
    theme_parent = org.pop("theme_parent", [-1] * 8)
    for key, value in org.items():
        (parts if key.startswith("p_") else columns)[key] = value
    return Network.build(
        org_ids=[1000 + i for i in range(n)],
        theme_parent=theme_parent,
        p_ids=[500 + i for i in range(n_parts)],
        memberships=memberships,
        **columns,
        **parts,
    )


def components(net: Network, seeker: Seeker) -> dict[int, dict[str, float]]:
    found, _ = score(net, seeker, top=net.n_orgs)
    return {c.index: c.components for c in found}


# --------------------------------------------------------------------------- Network.build


def test_build_derives_csr_both_ways_and_drops_duplicates() -> None:
    net = make_network(4, [(1, 3), (0, 2), (0, 0), (1, 0), (0, 2)], 2)
    assert net.member_ptr.tolist() == [0, 2, 4]
    assert net.members(0).tolist() == [0, 2]
    assert net.members(1).tolist() == [0, 3]
    assert net.partnerships_of(0).tolist() == [0, 1]
    assert net.partnerships_of(1).tolist() == []
    assert net.partnerships_of(3).tolist() == [1]
    assert net.degree.tolist() == [2, 0, 1, 1]
    assert net.org_ptr.tolist() == [0, 2, 2, 3, 4]
    assert net.member_idx.dtype == np.int32 and net.org_part.dtype == np.int32
    assert net.themes.dtype == np.uint64 and net.lat.dtype == np.float32
    with pytest.raises(ValueError):
        net.degree[0] = 5  # read-only


def test_build_rejects_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="unknown"):
        make_network(3, [(0, 3)], 1)
    with pytest.raises(ValueError, match="unknown"):
        make_network(3, [(1, 0)], 1)
    with pytest.raises(ValueError, match="expected 3"):
        make_network(3, [], 1, kind=[COMPANY] * 2)
    with pytest.raises(ValueError, match="theme"):
        make_network(3, [], 1, theme_parent=[-1, 5])


def test_build_accepts_an_empty_registry() -> None:
    net = make_network(2, [], 1)
    found, eligible = score(net, Seeker())
    assert eligible == 2 and [c.index for c in found] == [0, 1]


# --------------------------------------------------------------------------- seekers


def test_seeker_for_partnership_hides_one_member() -> None:
    net = make_network(5, [(0, 0), (0, 1), (0, 2), (1, 3)], 2, p_themes=[0b101, 0])
    seeker = seeker_for_partnership(net, 0, hidden=1)
    assert seeker.partners.tolist() == [0, 2]
    assert seeker.exclude.tolist() == [0, 2]
    assert seeker.hidden_edge == (0, 1)
    assert seeker.themes == 0b101 and seeker.partnership == 0 and seeker.partnership_kind == CIV
    plain = seeker_for_partnership(net, 0)
    assert plain.exclude.tolist() == [0, 1, 2] and plain.hidden_edge is None
    with pytest.raises(ValueError, match="not a member"):
        seeker_for_partnership(net, 0, hidden=3)


def test_seeker_for_organisation_excludes_itself_and_its_partners() -> None:
    net = make_network(6, [(0, 0), (0, 1), (1, 0), (1, 2), (2, 3), (2, 4)], 3, themes=[7] * 6)
    seeker = seeker_for_organisation(net, 0, themes=0b10)
    assert seeker.partners.tolist() == [1, 2]
    assert seeker.exclude.tolist() == [0, 1, 2]
    assert seeker.themes == 0b10 and seeker.own_kind == COMPANY
    found, eligible = score(net, seeker)
    assert eligible == 3 and {c.index for c in found} == {3, 4, 5}


# --------------------------------------------------------------------------- components


def test_geo_levels_and_distance() -> None:
    # 0 same municipality, 1 same region, 2 same province, 3 near but elsewhere,
    # 4 unknown, 5 at the very same spot but in another region and province
    net = make_network(
        6,
        [],
        1,
        municipality=[1, 2, 3, 4, -1, 5],
        region=[10, 10, 11, 12, -1, 13],
        province=[20, 20, 20, 21, -1, 22],
        lat=[52.0, 52.1, 52.3, 52.09, math.nan, 52.0],
        lon=[5.0, 5.1, 5.4, 5.0, math.nan, 5.0],
    )
    seeker = Seeker(municipality=1, region=10, province=20, lat=52.0, lon=5.0)
    comp = components(net, seeker)
    assert comp[0]["geo"] == 1.0
    assert comp[1]["geo"] == pytest.approx(0.7)
    assert comp[2]["geo"] == pytest.approx(0.4)
    km = 10.0  # 0.09 degrees of latitude
    assert comp[3]["geo"] == pytest.approx(0.65 * math.exp(-km / 25.0), rel=0.01)
    assert comp[4]["geo"] == 0.0
    assert comp[5]["geo"] == pytest.approx(0.65)
    assert comp[2]["geo"] < comp[5]["geo"] < comp[1]["geo"]
    found, _ = score(net, seeker, top=6)
    evidence = {c.index: c.evidence for c in found}
    assert [evidence[i]["geo_level"] for i in range(6)] == [
        "municipality",
        "region",
        "province",
        "distance",
        None,
        "distance",
    ]
    assert evidence[3]["distance_km"] == pytest.approx(km, abs=0.1)
    assert evidence[4]["distance_km"] is None
    assert "geo" in found[0].evidence["components_used"]
    # No place at all: geo is not informative and leaves the mean.
    nowhere = score(net, Seeker(), top=1)[0][0]
    assert "geo" not in nowhere.evidence["components_used"]


def test_theme_direct_related_and_text() -> None:
    # themes 0 and 1 are parents; 2, 3 children of 0; 4 child of 1.
    parent = [-1, -1, 0, 0, 1]
    net = make_network(
        6, [], 1, theme_parent=parent, themes=[0b00100, 0b00001, 0b01000, 0b10000, 0, 0b00111]
    )
    text = np.array([False, False, False, False, True, False])
    seeker = Seeker(themes=0b00100, text_hits=text)  # seeks theme 2
    comp = components(net, seeker)
    direct, parent_of, sibling, unrelated, text_only, both = (comp[i]["theme"] for i in range(6))
    assert direct == pytest.approx(0.75 + 0.25)  # covers the sought theme, nothing else
    assert parent_of == pytest.approx(0.5)  # its parent: related, half credit
    assert sibling == pytest.approx(0.25)  # a sibling: half of related
    assert unrelated == 0.0
    assert text_only == pytest.approx(0.5)
    # themes 0, 1, 2: shares 2 (one of its three themes) and has its parent 0
    assert both == pytest.approx(1 - (1 - (0.75 + 0.25 / 3)) * 0.5)
    found, _ = score(net, seeker, top=6)
    ev = {c.index: c.evidence for c in found}
    assert ev[5]["shared_themes"] == [2] and ev[5]["related_themes"] == [0]
    assert ev[4]["text_match"] is True and ev[0]["text_match"] is False


def test_kind_uses_member_share_against_the_registry_base_rate() -> None:
    kinds = [MBO, COMPANY, COMPANY, COMPANY, COMPANY, VO, COMPANY, MBO]
    net = make_network(8, [(0, 0), (0, 1), (0, 2)], 1, kind=kinds)
    seeker = seeker_for_partnership(net, 0)
    comp = components(net, seeker)
    found, _ = score(net, seeker, top=8)
    share = {c.index: c.evidence["kind_share"] for c in found}
    base = {COMPANY: 5 / 8, MBO: 2 / 8, VO: 1 / 8}
    for i in (3, 5, 7):
        s = share[i]
        expected = math.sqrt(s) / (math.sqrt(s) + math.sqrt(base[kinds[i]]))
        assert comp[i]["kind"] == pytest.approx(expected, abs=1e-3)
    # a civ with an mbo and two companies: an mbo school is over-represented, vo is not
    assert comp[7]["kind"] > 0.5 > comp[5]["kind"]
    # no kind, no partners: neutral and not part of the mean
    neutral = score(net, Seeker(), top=1)[0][0]
    assert neutral.components["kind"] == 0.5
    assert "kind" not in neutral.evidence["components_used"]


def test_complement_offers_and_needs() -> None:
    net = make_network(4, [], 1, offers=[0b011, 0b001, 0, 0], seeks=[0, 0, 0b100, 0b110])
    comp = components(net, Seeker(seeks=0b011, offers=0b100))
    assert comp[0]["complement"] == pytest.approx(0.75)
    assert comp[1]["complement"] == pytest.approx(0.75 / 2)
    assert comp[2]["complement"] == pytest.approx(0.25)
    assert comp[3]["complement"] == pytest.approx(0.25 / 2)
    only_seeks = components(net, Seeker(seeks=0b011))
    assert only_seeks[0]["complement"] == pytest.approx(1.0)
    assert only_seeks[2]["complement"] == 0.0


def test_activity_and_openness() -> None:
    net = make_network(4, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 2)], 3, open=[1, 0, -1, 0])
    comp = components(net, Seeker())
    assert comp[0]["activity"] == 1.0
    assert comp[1]["activity"] == pytest.approx(math.log(2) / math.log(4))
    assert comp[3]["activity"] == 0.0
    assert [comp[i]["openness"] for i in range(3)] == [1.0, 0.5, 0.0]
    # the hidden membership does not count: org 1's only membership
    hidden = components(net, Seeker(hidden_edge=(0, 1)))
    assert hidden[1]["activity"] == 0.0


def w(size: int) -> float:
    return 1 / math.log(2 + size)


def network_fixture() -> Network:
    # P0 target: A=0, B=1, H=2.  P1: A, C=3.  P2: B, C, D=4.  P3: E=5, F=6.
    # P4: H, A.  G=7 is only in P0.
    memberships = [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 7),
        (1, 0),
        (1, 3),
        (2, 1),
        (2, 3),
        (2, 4),
        (3, 5),
        (3, 6),
        (4, 2),
        (4, 0),
    ]
    return make_network(8, memberships, 5)


def test_network_counts_other_partnerships_only() -> None:
    net = network_fixture()
    seeker = seeker_for_partnership(net, 0, hidden=2)  # partners A, B, G
    comp = components(net, seeker)
    x_c = w(2) + w(3)  # with A in P1, with B in P2
    assert comp[3]["network"] == pytest.approx(1 - math.exp(-x_c))
    assert comp[4]["network"] == pytest.approx(1 - math.exp(-w(3)))
    assert comp[5]["network"] == 0.0 and comp[6]["network"] == 0.0
    # H's tie through the target partnership does not count; P4 (with A) does
    assert comp[2]["network"] == pytest.approx(1 - math.exp(-w(2)))
    found, _ = score(net, seeker, top=8)
    ev = {c.index: c.evidence for c in found}
    assert ev[3]["shared_partners"] == [0, 1]  # P1 is smaller than P2: A is the stronger
    assert ev[3]["shared_partner_count"] == 2
    assert ev[3]["shared_partnerships"] == [1, 2]
    assert ev[5]["shared_partners"] == [] and ev[5]["shared_partner_count"] == 0


def test_hidden_edge_does_not_leak() -> None:
    # H=2's only other tie is P0 (the target) once P4 is gone.
    memberships = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 3)]
    net = make_network(5, memberships, 2)
    seeker = seeker_for_partnership(net, 0, hidden=2)
    comp = components(net, seeker)
    assert comp[2]["network"] == 0.0
    assert comp[2]["activity"] == 0.0  # its single membership is the hidden one
    assert comp[3]["network"] > 0.0
    # a hidden edge elsewhere: C=3 loses its tie through P1, and P1 shrinks for the others
    elsewhere = Seeker(partners=np.array([0], dtype=np.int32), hidden_edge=(1, 3))
    assert components(net, elsewhere)[3]["network"] == 0.0
    with pytest.raises(ValueError):
        score_all(net, Seeker(hidden_edge=(7, 0)))


def test_seeker_partnership_itself_is_ignored_without_hidden_edge() -> None:
    net = network_fixture()
    seeker = seeker_for_partnership(net, 0)  # members A, B, H, G are all excluded
    comp = components(net, seeker)
    assert set(comp) == {3, 4, 5, 6}
    assert comp[3]["network"] == pytest.approx(1 - math.exp(-(w(2) + w(3))))


# --------------------------------------------------------------------------- ranking


def test_score_pages_ties_and_totals() -> None:
    net = make_network(7, [], 1, themes=[1, 0, 1, 1, 0, 1, 0], open=[0, 0, 0, 1, 0, 0, 0])
    seeker = Seeker(themes=1)
    everything, eligible = score(net, seeker, top=100)
    assert eligible == 7
    assert [c.index for c in everything] == [3, 0, 2, 5, 1, 4, 6]  # ties by index
    assert [c.org_id for c in everything][:2] == [1003, 1000]
    page, _ = score(net, seeker, top=2, offset=2)
    assert [c.index for c in page] == [2, 5]
    assert score(net, seeker, top=3, offset=6)[0][0].index == 6
    assert score(net, seeker, top=3, offset=9)[0] == []
    totals = score_all(net, seeker)
    for c in everything:
        assert c.score == totals[c.index]
        assert set(c.components) == set(COMPONENTS)
        used = c.evidence["components_used"]
        mean = sum(DEFAULT_WEIGHTS[k] * c.components[k] for k in used) / sum(
            DEFAULT_WEIGHTS[k] for k in used
        )
        assert c.score == pytest.approx(mean)


def test_weights_are_checked_and_respected() -> None:
    net = make_network(3, [], 1, themes=[1, 0, 1], open=[-1, 1, 1])
    only_theme = score(net, Seeker(themes=1), weights={"theme": 1.0}, top=3)[0]
    assert [c.index for c in only_theme] == [0, 2, 1]
    assert only_theme[0].score == pytest.approx(only_theme[0].components["theme"])
    with pytest.raises(ValueError, match="unknown"):
        score_all(net, Seeker(), weights={"themes": 1.0})
    with pytest.raises(ValueError):
        score_all(net, Seeker(), weights={"theme": -1.0})


def test_filters_kinds_radius_and_exclude() -> None:
    net = make_network(
        4,
        [],
        1,
        kind=[COMPANY, MBO, COMPANY, COMPANY],
        lat=[52.0, 52.0, 53.0, math.nan],
        lon=[5.0, 5.0, 5.0, math.nan],
    )
    near = Seeker(lat=52.0, lon=5.0, radius_km=50.0, exclude=np.array([0], dtype=np.int32))
    assert [c.index for c in score(net, near)[0]] == [1]
    companies = Seeker(kinds_wanted=frozenset({COMPANY}))
    found, eligible = score(net, companies)
    assert eligible == 3 and 1 not in {c.index for c in found}
    # a radius without a position of the seeker admits nobody
    assert score(net, Seeker(radius_km=10.0)) == ([], 0)


# --------------------------------------------------------------------------- properties

N_THEMES = 6
PARENTS = [-1, -1, 0, 0, 1, 2]


@st.composite
def networks_and_seekers(draw: st.DrawFn) -> tuple[Network, Seeker]:
    n = draw(st.integers(2, 14))
    n_parts = draw(st.integers(1, 5))
    place = st.integers(-1, 2)
    org = {
        "kind": draw(st.lists(st.integers(0, len(ORG_KINDS) - 1), min_size=n, max_size=n)),
        "municipality": draw(st.lists(place, min_size=n, max_size=n)),
        "region": draw(st.lists(place, min_size=n, max_size=n)),
        "province": draw(st.lists(place, min_size=n, max_size=n)),
        "themes": draw(st.lists(st.integers(0, 2**N_THEMES - 1), min_size=n, max_size=n)),
        "offers": draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)),
        "seeks": draw(st.lists(st.integers(0, 255), min_size=n, max_size=n)),
        "open": draw(st.lists(st.integers(-1, 1), min_size=n, max_size=n)),
        "p_kind": draw(
            st.lists(st.integers(0, len(PARTNERSHIP_KINDS) - 1), min_size=n_parts, max_size=n_parts)
        ),
        "p_themes": draw(
            st.lists(st.integers(0, 2**N_THEMES - 1), min_size=n_parts, max_size=n_parts)
        ),
    }
    coords = st.one_of(st.just(math.nan), st.floats(51.0, 53.0))
    org["lat"] = draw(st.lists(coords, min_size=n, max_size=n))
    org["lon"] = [5.0 if math.isfinite(x) else math.nan for x in org["lat"]]
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n_parts - 1), st.integers(0, n - 1)), max_size=30)
    )
    net = make_network(n, pairs, n_parts, theme_parent=PARENTS, **org)
    as_partnership = draw(st.booleans())
    kinds = draw(st.none() | st.frozensets(st.integers(0, len(ORG_KINDS) - 1), max_size=4))
    if as_partnership:
        p = draw(st.integers(0, n_parts - 1))
        members = net.members(p).tolist()
        hidden = draw(st.sampled_from(members)) if members and draw(st.booleans()) else None
        base = seeker_for_partnership(net, p, kinds_wanted=kinds, hidden=hidden)
    else:
        base = seeker_for_organisation(net, draw(st.integers(0, n - 1)), kinds_wanted=kinds)
    text = draw(st.none() | st.lists(st.booleans(), min_size=n, max_size=n))
    radius = draw(st.none() | st.floats(1.0, 300.0))
    seeker = Seeker(
        themes=draw(st.integers(0, 2**N_THEMES - 1)),
        text_hits=None if text is None else np.array(text),
        kinds_wanted=base.kinds_wanted,
        municipality=base.municipality,
        region=base.region,
        province=base.province,
        lat=draw(st.one_of(st.just(math.nan), st.floats(51.0, 53.0))),
        lon=5.0,
        radius_km=radius,
        seeks=draw(st.integers(0, 255)),
        offers=draw(st.integers(0, 255)),
        own_kind=base.own_kind,
        partnership=base.partnership,
        partnership_kind=base.partnership_kind,
        partners=base.partners,
        exclude=base.exclude,
        hidden_edge=base.hidden_edge,
    )
    return net, seeker


COLUMNS = [
    *("org_ids", "kind", "municipality", "region", "province", "lat", "lon", "themes"),
    *("offers", "seeks", "open", "theme_parent", "p_ids", "p_kind", "p_themes"),
    *("p_municipality", "p_region", "p_province", "p_lat", "p_lon"),
]


def rebuilt(net: Network, **changes: Any) -> Network:
    """The same network built again from its own arrays, with some columns changed."""
    pairs = np.column_stack(
        [np.repeat(np.arange(net.n_partnerships), np.diff(net.member_ptr)), net.member_idx]
    )
    columns = {key: getattr(net, key) for key in COLUMNS}
    columns.update(changes)
    return Network.build(memberships=pairs, **columns)


def distance_km(net: Network, seeker: Seeker, i: int) -> float:
    lat1, lon1 = math.radians(seeker.lat), math.radians(seeker.lon)
    lat2, lon2 = math.radians(float(net.lat[i])), math.radians(float(net.lon[i]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(min(h, 1.0)))


PROPERTY = settings(max_examples=80, deadline=None)


@PROPERTY
@given(networks_and_seekers())
def test_scores_and_components_are_bounded(case: tuple[Network, Seeker]) -> None:
    net, seeker = case
    totals = score_all(net, seeker)
    finite = totals[np.isfinite(totals)]
    assert np.all((finite >= 0.0) & (finite <= 1.0))
    assert np.all(np.isneginf(totals[~np.isfinite(totals)]))
    for c in score(net, seeker, top=net.n_orgs)[0]:
        assert 0.0 <= c.score <= 1.0
        assert all(0.0 <= v <= 1.0 for v in c.components.values())


@PROPERTY
@given(networks_and_seekers(), st.data())
def test_adding_a_shared_theme_never_lowers_a_score(
    case: tuple[Network, Seeker], data: st.DataObject
) -> None:
    net, seeker = case
    sought = [t for t in range(N_THEMES) if seeker.themes >> t & 1]
    if not sought:
        return
    c = data.draw(st.integers(0, net.n_orgs - 1))
    theme = data.draw(st.sampled_from(sought))
    themes = net.themes.copy()
    themes[c] |= np.uint64(1 << theme)
    before = score_all(net, seeker)[c]
    after = score_all(rebuilt(net, themes=themes), seeker)[c]
    assert after >= before - 1e-12


@PROPERTY
@given(networks_and_seekers())
def test_filters_are_hard_and_exact(case: tuple[Network, Seeker]) -> None:
    net, seeker = case
    totals = score_all(net, seeker)
    excluded = set(seeker.exclude.tolist())
    if seeker.partnership >= 0:
        hidden = seeker.hidden_edge[1] if seeker.hidden_edge else None
        excluded_members = set(net.members(seeker.partnership).tolist()) - {hidden}
        assert excluded_members <= excluded
    for i in range(net.n_orgs):
        eligible = i not in excluded
        if seeker.kinds_wanted is not None:
            eligible &= int(net.kind[i]) in seeker.kinds_wanted
        if seeker.radius_km is not None:
            known = math.isfinite(seeker.lat) and math.isfinite(float(net.lat[i]))
            eligible &= known and distance_km(net, seeker, i) <= seeker.radius_km + 1e-6
        assert np.isfinite(totals[i]) == eligible or (
            # the haversine in float64 vs float32 input may differ at the very edge
            seeker.radius_km is not None
            and abs(distance_km(net, seeker, i) - seeker.radius_km) < 1e-3
        )
    found, count = score(net, seeker, top=net.n_orgs)
    assert count == int(np.isfinite(totals).sum()) == len(found)
    assert not excluded & {c.index for c in found}


@PROPERTY
@given(networks_and_seekers(), st.integers(0, 5), st.integers(1, 6))
def test_deterministic_for_equal_input(case: tuple[Network, Seeker], offset: int, top: int) -> None:
    net, seeker = case
    first = score(net, seeker, top=top, offset=offset)
    again = score(rebuilt(net), seeker, top=top, offset=offset)
    assert first == again
    ranked = score(net, seeker, top=net.n_orgs)[0]
    assert [c.index for c in first[0]] == [c.index for c in ranked[offset : offset + top]]
    keys = [(-c.score, c.index) for c in ranked]
    assert keys == sorted(keys)
