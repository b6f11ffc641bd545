"""Pages for managing personal API tokens, under /account/api-tokens/."""

from django.urls import path

from knooppunt.api import views

app_name = "api-tokens"

urlpatterns = [
    path("", views.token_list, name="token-list"),
    path("<int:pk>/intrekken/", views.token_revoke, name="token-revoke"),
]
