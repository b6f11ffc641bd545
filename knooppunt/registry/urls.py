from django.urls import path

from knooppunt.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("regio/", views.region, name="region"),
    path("beheer/zonder-gemeente/", views.unplaced, name="unplaced"),
    path("organisaties/nieuw/", views.organisation_create, name="organisation-create"),
    path("organisaties/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisaties/<int:pk>/bewerken/", views.organisation_edit, name="organisation-edit"),
    path(
        "organisaties/<int:pk>/verwijderen/", views.organisation_delete, name="organisation-delete"
    ),
    path("organisaties/<int:pk>/personen/nieuw/", views.person_create, name="person-create"),
    path("personen/<int:pk>/", views.person_detail, name="person-detail"),
    path("personen/<int:pk>/bewerken/", views.person_edit, name="person-edit"),
    path("personen/<int:pk>/verwijderen/", views.person_delete, name="person-delete"),
    path(
        "personen/<int:pk>/ontkoppelen/<int:organisation_pk>/",
        views.person_unlink,
        name="person-unlink",
    ),
    path("partnerschappen/nieuw/", views.partnership_create, name="partnership-create"),
    path("partnerschappen/<int:pk>/", views.partnership_detail, name="partnership-detail"),
    path("partnerschappen/<int:pk>/bewerken/", views.partnership_edit, name="partnership-edit"),
    path(
        "partnerschappen/<int:pk>/verwijderen/", views.partnership_delete, name="partnership-delete"
    ),
    path("partnerschappen/<int:pk>/leden/", views.membership_add, name="membership-add"),
    path(
        "partnerschappen/<int:pk>/leden/<int:membership_pk>/wijzigen/",
        views.membership_edit,
        name="membership-edit",
    ),
    path(
        "partnerschappen/<int:pk>/leden/<int:membership_pk>/verwijderen/",
        views.membership_remove,
        name="membership-remove",
    ),
    path("partnerschappen/<int:pk>/contactpersonen/", views.contact_add, name="contact-add"),
    path(
        "partnerschappen/<int:pk>/contactpersonen/<int:contact_pk>/verwijderen/",
        views.contact_remove,
        name="contact-remove",
    ),
]
