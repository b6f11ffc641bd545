"""The OpenAPI document and the rendered docs page (served without any CDN)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from knooppunt.core.middleware import CONTENT_SECURITY_POLICY


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def all_operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
    ]


def test_document_is_openapi_3_1(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"] == "3.1.0"
    assert openapi["info"]["title"] == "Knooppunt API"
    assert openapi["info"]["version"] == "1"
    # OpenAPI 3.1 schemas are JSON Schema 2020-12: every component must be a valid one.
    for name, schema in openapi["components"]["schemas"].items():
        draft = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
        assert jsonschema_rs.meta.is_valid(draft), name
    assert openapi["components"]["securitySchemes"] == {
        "TokenAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": openapi["components"]["securitySchemes"]["TokenAuth"]["description"],
        }
    }


def test_every_operation_documents_its_status_codes(openapi: dict[str, Any]) -> None:
    operation_ids = set()
    for method, path, op in all_operations(openapi):
        operation_ids.add(op["operationId"])
        codes = set(op["responses"])
        assert "401" in codes, f"{method} {path}: a bad token is 401 everywhere"
        if "{" in path:
            assert {"404", "422"} <= codes, f"{method} {path}: missing/malformed ids"
        if method in {"POST", "PATCH"} and not op.get("x-read-only"):
            assert {"400", "403", "422"} <= codes, f"{method} {path}"
        if op.get("x-read-only"):  # a question sent as POST, changing nothing
            # 403 only where part of the question is not for everyone (match: member
            # suggestions for a partnership, asking as an organisation).
            assert {"400", "422"} <= codes, f"{method} {path}"
            assert ("403" in codes) == (op["operationId"] == "match"), f"{method} {path}"
            assert "requestBody" in op
        if method == "DELETE":
            assert "204" in codes and "403" in codes
        for code, response in op["responses"].items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error", f"{method} {path} {code}"
        assert op.get("summary"), f"{method} {path} has no summary"
    assert len(operation_ids) == len(all_operations(openapi)), "operationIds must be unique"


def test_error_schema_is_the_one_shape(openapi: dict[str, Any]) -> None:
    error = openapi["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "errors"}
    field_error = openapi["components"]["schemas"]["FieldError"]
    assert set(field_error["properties"]) == {"field", "message"}


def test_pagination_is_documented(openapi: dict[str, Any]) -> None:
    page = openapi["components"]["schemas"]["OrganisationPage"]
    assert set(page["properties"]) == {"count", "page", "page_size", "next", "previous", "results"}
    params = {
        p["name"]: p["schema"]
        for p in openapi["paths"]["/api/v1/organisations"]["get"]["parameters"]
    }
    assert params["page_size"]["maximum"] == 100
    assert {"q", "kind", "theme", "province", "region", "municipality", "sort", "page"} <= set(
        params
    )
    assert "Pagination" in openapi["info"]["description"]


def test_docs_page_uses_only_local_assets(db: Any) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the page loads nothing?"
    for url in urls:
        assert url.startswith("/"), f"{url} is not served by this site"
        assert Client().get(url).status_code == 200, url
    assert "<script>" not in html, "an inline script would be blocked by the CSP"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "cdn" not in html.lower()


def test_docs_assets_are_served_from_the_ninja_package(db: Any) -> None:
    client = Client()
    css = client.get("/api/v1/docs/assets/swagger-ui.css")
    assert css.status_code == 200
    assert css["Content-Type"] == "text/css"
    assert "max-age" in css["Cache-Control"]
    bundle = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert bundle["Content-Type"] == "text/javascript"
    assert b"SwaggerUIBundle" in b"".join(bundle.streaming_content)
    assert client.get("/api/v1/docs/assets/../settings.py").status_code == 404
    assert client.get("/api/v1/docs/assets/redoc.standalone.js.map").status_code == 404


def test_the_swagger_bundle_fetches_nothing_from_a_cdn() -> None:
    from knooppunt.api.docs import NINJA_STATIC

    for name in ("swagger-ui-init.js", "swagger-ui.css"):
        text = (NINJA_STATIC / name).read_text()
        assert "cdn." not in text and "googleapis" not in text, name


def test_api_root_points_to_the_docs_in_the_error_shape(db: Any) -> None:
    response = Client(enforce_csrf_checks=True).get("/api/v1/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "/api/v1/docs" in response.json()["detail"]
    assert Client(enforce_csrf_checks=True).post("/api/v1/").status_code == 404
