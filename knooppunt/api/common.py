"""Helpers shared by the API routers: pagination, permission checks, field errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header
from ninja.errors import HttpError

from knooppunt.api.schemas import Error, PageQuery
from knooppunt.core.concurrency import etag
from knooppunt.core.paging import page_count
from knooppunt.places import queries as place_queries

T = TypeVar("T")

# The error answers each kind of operation can give, documented in its `response=`:
# 400 body is not JSON, 401 token missing/invalid, 403 not allowed, 404 no such object,
# 422 invalid input (schema or service validation).
LIST_ERRORS = (401,)  # a whole reference list: no parameters to get wrong
READ_ERRORS = (401, 422)
GET_ERRORS = (401, 404, 422)
CREATE_ERRORS = (400, 401, 403, 422)
# 412: the If-Match header names another version than the object now has.
UPDATE_ERRORS = (400, 401, 403, 404, 412, 422)
DELETE_ERRORS = (401, 403, 404, 412, 422)

IF_MATCH_DESCRIPTION = (
    "The ETag of the version this change is based on (from a GET or an earlier write). "
    "When the object has changed since, nothing is written and the answer is 412 with "
    "the current ETag. Optional: without it, only the fields sent are written."
)
# The `If-Match` header parameter of the operations that change or delete an object.
IfMatch = Annotated[
    str | None, Header(alias="If-Match", description=IF_MATCH_DESCRIPTION, max_length=1000)
]


def etag_docs(*codes: int) -> dict[str, Any]:
    """`openapi_extra` documenting the ETag header on the answers `codes`."""
    header = {
        "ETag": {
            "description": "The object's version, for If-Match (a strong tag such as "
            '`"v3"`; it changes with every change of the object\'s own fields).',
            "schema": {"type": "string"},
        }
    }
    return {"responses": {code: {"headers": header} for code in codes}}


def set_etag(response: HttpResponse, obj: Any) -> None:
    """Put `obj`'s version in the answer's ETag header."""
    response["ETag"] = etag(obj.version)


class Conflict(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


def require(allowed: bool) -> None:
    """Refuse with 403 unless the permission predicate allowed it."""
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def field_error(field: str, message: str) -> ValidationError:
    """A 422 about one input field, in the same form the services' full_clean() raises."""
    return ValidationError({field: [message]})


def page_url(request: HttpRequest, page: int) -> str:
    params = [(k, v) for k, v in request.GET.items() if k != "page"]
    params.append(("page", str(page)))
    return request.build_absolute_uri(request.path) + "?" + urlencode(params)


def paginate(
    request: HttpRequest,
    qs: QuerySet[Any],
    params: PageQuery,
    serialize: Callable[[Any], T],
) -> dict[str, Any]:
    """One page of `qs`: {count, page, page_size, next, previous, results}.

    A page past the end answers with an empty `results` (and a `previous` link),
    not an error, so that a client walking `next` links never meets a 404.
    """
    count = qs.count()
    start = (params.page - 1) * params.page_size
    rows: Iterable[Any] = qs[start : start + params.page_size] if start < count else []
    return _page_answer(request, params.page, params.page_size, count, rows, serialize)


def paginate_page(
    request: HttpRequest,
    page: Any,
    serialize: Callable[[Any], T],
) -> dict[str, Any]:
    """As `paginate`, for a page the query functions already cut (a `DirectoryPage`)."""
    return _page_answer(request, page.number, page.per_page, page.count, page.objects, serialize)


def _page_answer(
    request: HttpRequest,
    number: int,
    page_size: int,
    count: int,
    rows: Iterable[Any],
    serialize: Callable[[Any], T],
) -> dict[str, Any]:
    start = (number - 1) * page_size
    return {
        "count": count,
        "page": number,
        "page_size": page_size,
        "next": page_url(request, number + 1) if start + page_size < count else None,
        "previous": page_url(request, min(number - 1, page_count(count, page_size)))
        if number > 1
        else None,
        "results": [serialize(row) for row in rows],
    }


def responses(ok: dict[int, Any], *error_codes: int) -> dict[int, Any]:
    """An operation's documented answers: its success schema plus `Error` for each error code."""
    return {**ok, **dict.fromkeys(error_codes, Error)}


def check_place_codes(*, province: str = "", region: str = "", municipality: str = "") -> None:
    """Refuse (422) a well-formed but unknown place code instead of silently finding nothing."""
    if province and not place_queries.province_list().filter(code=province).exists():
        raise field_error("province", _("Unknown province code."))
    if region and not place_queries.labour_market_region_list().filter(code=region).exists():
        raise field_error("region", _("Unknown labour-market region code."))
    if municipality and not place_queries.municipality_list().filter(code=municipality).exists():
        raise field_error("municipality", _("Unknown municipality code."))
