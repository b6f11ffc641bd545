"""The versioned JSON API. Each app contributes a router from its own `api.py`.

Every error answer has one shape, `{"detail": str, "errors": [{"field", "message"}]}`
(`errors` only with 422), produced by the exception handlers below:

- 400: the request body is not JSON;
- 401: a write without a token, or a token that is unknown, revoked or malformed;
- 403: the token's user may not do this (the same predicates as the website);
- 404: no such object (or an unknown API URL);
- 409: the object already exists (a membership);
- 412: the `If-Match` header names another version than the object has now;
- 422: the input does not validate, either against the schema or in the service.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from knooppunt.api.auth import SCHEME_NAME, OptionalTokenAuth
from knooppunt.api.docs import LocalSwagger, docs_asset
from knooppunt.core.concurrency import StaleWrite, etag
from knooppunt.matching.api import router as matching_router
from knooppunt.places.api import router as places_router
from knooppunt.registry.api import router as registry_router

DESCRIPTION = """\
The registry of public-private partnerships in Dutch vocational education:
organisations, partnerships, memberships, people, themes and places.

**Authentication.** Reading needs no account: without an `Authorization` header you
get the public registry. With a personal API token (`Authorization: Bearer kp_...`,
created at `/account/api-tokens/`) you read as your account, including the personal
data (email, phone) your role may see, and you can write what your role may edit on
the website. A token that is sent but unknown or revoked gives 401, also on reads.

**Pagination.** Lists of organisations, partnerships, memberships and people are paged
with `page` (from 1) and `page_size` (1-100, default 20). Each page has `count`, `next`
and `previous` (full URLs, null at the ends) and `results`. A page beyond the last is
empty. Themes and places are short reference lists and come whole.

**Filters.** `q`, `kind`, `theme` (narrower themes included), `province`, `region`,
`municipality` and `sort` work as in the website's directory. Codes come from
`/themes` and `/places/...`; an unknown code is refused with 422.

**Errors.** Every error answer has the shape `{"detail": "...", "errors": [{"field":
"...", "message": "..."}]}`; `errors` lists the fields with 422.

**Concurrent changes.** A single organisation, partnership, membership or person comes
with an `ETag` header naming its version (`"v3"`); every change of the object's own
fields makes a new one. Send it back in `If-Match` with PATCH or DELETE: if someone else
changed the object in the meantime, nothing is written and the answer is 412 with the
current `ETag`; read the object again and decide. Without `If-Match` a PATCH writes only
the fields it sends, so it never undoes someone else's change of another field.
Text fields are stripped of surrounding white space (as the website does); names,
places and other one-line fields refuse line breaks and other control characters.
"""


class KnooppuntAPI(NinjaAPI):
    """NinjaAPI with a locally served docs page and optional-auth reads in OpenAPI."""

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        assets = path("docs/assets/<str:name>", docs_asset, name="docs-asset")
        # ninja's own root view raises a bare Http404 (the site's HTML page); ours answers in
        # the API's error shape. The name stays: ninja reverses it to find the API's prefix.
        root = path("", api_root, name="api-root")
        patterns = [p for p in patterns if getattr(p, "name", None) != "api-root"]
        return [assets, *patterns, root], app_name, namespace

    def get_openapi_operation_id(self, operation: Any) -> str:
        # The view names are unique across the API and greppable: `organisation_list`, ...
        return str(operation.view_func.__name__)

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        optional = OptionalTokenAuth.__name__
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                security = operation.get("security")
                if security and {optional: []} in security:
                    # Reads: the token is optional (`{}` is the OpenAPI way to say so).
                    operation["security"] = [{SCHEME_NAME: []}, {}]
        schema.get("components", {}).get("securitySchemes", {}).pop(optional, None)
        return schema


api = KnooppuntAPI(
    title="Knooppunt API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    docs=LocalSwagger(),
)


# --- one error shape ----------------------------------------------------------------------


def error_response(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


def _field_name(loc: tuple[Any, ...]) -> str | None:
    # ninja's loc is (source, param name, field, ...); the param name is ours, not the client's.
    parts = [str(p) for p in loc[1:]]
    if loc and loc[0] == "body" and parts:
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    return error_response(request, 422, _("The input is not valid."), errors)


@api.exception_handler(DjangoValidationError)
def on_invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": None if field == NON_FIELD_ERRORS else field, "message": message}
            for field, field_errors in exc.error_dict.items()
            for message in DjangoValidationError(field_errors).messages
        ]
    else:
        errors = [{"field": None, "message": message} for message in exc.messages]
    return error_response(request, 422, _("The input is not valid."), errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, str(exc) or _("Not found."))


@api.exception_handler(ObjectDoesNotExist)
def on_gone(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
    """The object was deleted by someone else between reading and writing it."""
    return error_response(request, 404, _("Not found."))


@api.exception_handler(StaleWrite)
def on_stale(request: HttpRequest, exc: StaleWrite) -> HttpResponse:
    response = error_response(
        request,
        412,
        _(
            "This object was changed by someone else since the version you sent in If-Match "
            "(it is now at version %(version)d); nothing was written. Read it again and retry."
        )
        % {"version": exc.current_version},
    )
    response["ETag"] = etag(exc.current_version)
    return response


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request, 401, _("A valid API token is needed: Authorization: Bearer <token>.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="knooppunt"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, str(exc))


@csrf_exempt  # like every API URL: no session, so no CSRF; any method gets the JSON 404
def api_root(request: HttpRequest) -> HttpResponse:
    """/api/v1/ is no resource; say where the documentation is, in the one error shape."""
    docs = reverse("api-v1:openapi-view")
    return error_response(
        request, 404, _("No such API URL. The documentation is at %(url)s.") % {"url": docs}
    )


# --- routers ------------------------------------------------------------------------------

fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", include_in_schema=False
)
def unknown_url(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other URL under /api/v1/ answers in the API's error shape, not the site's HTML 404."""
    raise Http404(_("No such API URL."))


api.add_router("/", registry_router)
api.add_router("/places", places_router)
api.add_router("/", matching_router)
api.add_router("/", fallback_router)  # last, so that it only catches what nothing else did
