"""The rendered API docs (Swagger UI) served entirely from this site: no CDN.

django-ninja ships Swagger UI's files in `ninja/static/ninja/`, but its templates
reach them through `{% static %}`, which finds them only when "ninja" is an installed
app (otherwise ninja falls back to a CDN template). Rather than add ninja to
INSTALLED_APPS, the docs page is our own template and the few asset files are served
by a small view straight from the installed ninja package, so they always match the
ninja version and nothing is fetched from another origin at run time. The page has no
inline script, so it works under the site's Content-Security-Policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
# file name -> (content type, name in the template context)
ASSETS = {
    "swagger-ui.css": ("text/css", "css"),
    "swagger-ui-bundle.js": ("text/javascript", "bundle"),
    "swagger-ui-init.js": ("text/javascript", "init"),
    "favicon.png": ("image/png", "favicon_png"),
    "favicon.svg": ("image/svg+xml", "favicon_svg"),
}


class LocalSwagger(DocsBase):
    template = "api/docs.html"
    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True}

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        namespace = api.urls_namespace
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            "swagger_settings": json.dumps(settings),
            "openapi_url": settings["url"],
            "assets": {
                key: reverse(f"{namespace}:docs-asset", args=[name])
                for name, (_type, key) in ASSETS.items()
            },
        }
        return render(request, self.template, context)


@require_GET
@cache_control(public=True, max_age=86400)
def docs_asset(request: HttpRequest, name: str) -> HttpResponseBase:
    if name not in ASSETS:
        raise Http404
    path = NINJA_STATIC / name
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type=ASSETS[name][0])
