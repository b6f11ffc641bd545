from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from knooppunt.registry import search

    tables = set(connections[using].introspection.table_names())
    if set(search.INDEXED_TABLES) <= tables:
        search.ensure_index(using)


class RegistryConfig(AppConfig):
    name = "knooppunt.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        post_migrate.connect(_ensure_search_index, sender=self)
