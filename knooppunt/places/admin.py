from django.contrib import admin

from knooppunt.places.models import CoropRegion, LabourMarketRegion, Municipality, Place, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "abbreviation"]


@admin.register(CoropRegion)
class CoropRegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province"]


@admin.register(LabourMarketRegion)
class LabourMarketRegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "labour_market_region"]
    list_filter = ["province"]
    search_fields = ["code", "name"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "municipality", "is_ambiguous"]
    search_fields = ["name"]
    list_select_related = ["municipality"]
