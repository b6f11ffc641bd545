"""JSON API v1: the reference geography (provinces, labour-market regions, municipalities).

Short, stable reference lists: returned whole, not paged. Public data.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from knooppunt.api.auth import optional_token_auth
from knooppunt.api.common import GET_ERRORS, LIST_ERRORS, READ_ERRORS, check_place_codes, responses
from knooppunt.api.outputs import municipality_out
from knooppunt.api.schemas import (
    LabourMarketRegionOut,
    MunicipalityCodePath,
    MunicipalityOut,
    MunicipalityQuery,
    ProvinceCodePath,
    ProvinceOut,
    RegionCodePath,
)
from knooppunt.places import queries
from knooppunt.places.models import LabourMarketRegion, Province

router = Router(tags=["places"], auth=optional_token_auth)


def province_out(province: Province) -> ProvinceOut:
    return ProvinceOut(code=province.code, name=province.name, abbreviation=province.abbreviation)


def region_out(region: LabourMarketRegion) -> LabourMarketRegionOut:
    return LabourMarketRegionOut(code=region.code, name=region.name)


@router.get(
    "/provinces",
    response=responses({200: list[ProvinceOut]}, *LIST_ERRORS),
    summary="List provinces",
)
def province_list(request: HttpRequest) -> list[ProvinceOut]:
    return [province_out(p) for p in queries.province_list()]


@router.get(
    "/provinces/{code}",
    response=responses({200: ProvinceOut}, *GET_ERRORS),
    summary="Get a province",
)
def province_get(request: HttpRequest, code: ProvinceCodePath) -> ProvinceOut:
    province = queries.province_list().filter(code=code).first()
    if province is None:
        raise Http404(_("No such province."))
    return province_out(province)


@router.get(
    "/labour-market-regions",
    response=responses({200: list[LabourMarketRegionOut]}, *LIST_ERRORS),
    summary="List labour-market regions",
)
def labour_market_region_list(request: HttpRequest) -> list[LabourMarketRegionOut]:
    return [region_out(r) for r in queries.labour_market_region_list()]


@router.get(
    "/labour-market-regions/{code}",
    response=responses({200: LabourMarketRegionOut}, *GET_ERRORS),
    summary="Get a labour-market region",
)
def labour_market_region_get(request: HttpRequest, code: RegionCodePath) -> LabourMarketRegionOut:
    region = queries.labour_market_region_list().filter(code=code).first()
    if region is None:
        raise Http404(_("No such labour-market region."))
    return region_out(region)


@router.get(
    "/municipalities",
    response=responses({200: list[MunicipalityOut]}, *READ_ERRORS),
    summary="List municipalities",
    description="All municipalities, optionally those of one province or labour-market region.",
)
def municipality_list(
    request: HttpRequest, filters: Query[MunicipalityQuery]
) -> list[MunicipalityOut]:
    check_place_codes(province=filters.province, region=filters.region)
    qs = queries.municipality_list()
    if filters.province:
        qs = qs.filter(province__code=filters.province)
    if filters.region:
        qs = qs.filter(labour_market_region__code=filters.region)
    return [MunicipalityOut.model_validate(municipality_out(m)) for m in qs]


@router.get(
    "/municipalities/{code}",
    response=responses({200: MunicipalityOut}, *GET_ERRORS),
    summary="Get a municipality",
)
def municipality_get(request: HttpRequest, code: MunicipalityCodePath) -> MunicipalityOut:
    municipality = queries.municipality_list().filter(code=code).first()
    if municipality is None:
        raise Http404(_("No such municipality."))
    return MunicipalityOut.model_validate(municipality_out(municipality))
