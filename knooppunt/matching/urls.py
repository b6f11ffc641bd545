from django.urls import path

from knooppunt.matching import views

app_name = "matching"

urlpatterns = [
    path("vind-een-partner/", views.find_partner, name="find"),
    path(
        "partnerschappen/<int:pk>/suggesties/",
        views.member_suggestions,
        name="partnership-suggestions",
    ),
    path("organisaties/<int:pk>/aanbod/", views.profile_edit, name="profile-edit"),
    path("introducties/", views.introduction_list, name="introduction-list"),
    path("introducties/<int:pk>/", views.introduction_detail, name="introduction-detail"),
    path(
        "organisaties/<int:target_pk>/introductie/",
        views.introduction_request,
        name="introduction-request",
    ),
    path(
        "organisaties/<int:target_pk>/introduceren/",
        views.introduction_direct,
        name="introduction-direct",
    ),
    path("gidsen/", views.guide_list, name="guide-list"),
    path("gidsen/<slug:kind>/", views.guide_detail, name="guide-detail"),
    path("gidsen/<slug:kind>/bewerken/", views.guide_edit, name="guide-edit"),
]
