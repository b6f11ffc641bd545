from django.urls import path

from knooppunt.registry import import_views

app_name = "registry-import"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("<int:pk>/", import_views.run_detail, name="run"),
    path("<int:pk>/voortgang/", import_views.run_progress_fragment, name="progress"),
    path("<int:pk>/bevestigen/", import_views.confirm, name="confirm"),
    path("<int:pk>/opnieuw/", import_views.retry, name="retry"),
    path("<int:pk>/weggooien/", import_views.discard, name="discard"),
    path("export/", import_views.export, name="export"),
    path("samenvoegen/", import_views.merge, name="merge"),
]
