"""Places are reference data (places/data, loaded by `places_load_reference`): read-only."""

from django.contrib import admin

from knooppunt.core.admin import ReadOnlyAdmin
from knooppunt.places.models import CoropRegion, LabourMarketRegion, Municipality, Place, Province


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "abbreviation"]


@admin.register(CoropRegion)
class CoropRegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "province"]


@admin.register(LabourMarketRegion)
class LabourMarketRegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "province", "labour_market_region"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


@admin.register(Place)
class PlaceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "municipality", "is_ambiguous"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
