from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from knooppunt.api.urls import api
from knooppunt.core import views as core_views

urlpatterns = [
    path("", include("knooppunt.registry.urls")),
    path("", include("knooppunt.matching.urls")),
    path("beheer/import/", include("knooppunt.registry.import_urls")),
    path("account/", include("knooppunt.accounts.urls")),
    path("account/api-tokens/", include("knooppunt.api.web_urls")),
    path("taal/", set_language, name="set-language"),
    path("over/", core_views.about, name="about"),
    path("health/", core_views.health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]

handler404 = "knooppunt.core.views.page_not_found"
handler403 = "knooppunt.core.views.permission_denied"
handler500 = "knooppunt.core.views.server_error"
