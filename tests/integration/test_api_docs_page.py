"""The API's interactive docs (`/api/v1/docs`): Swagger UI served from this server only,
with the pages' security headers and a CSP that names no other origin (api/server.py)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.pages.web import SECURITY_HEADERS
from api.server import create_app

DOCS = "/api/v1/docs"


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger), follow_redirects=False) as client:
        yield client


def policy(header: str) -> dict[str, list[str]]:
    directives = (d.split() for d in header.split(";") if d.strip())
    return {name: values for name, *values in directives}


def test_the_docs_page_loads_nothing_from_another_origin(client: TestClient) -> None:
    answer = client.get(DOCS)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "Swagger UI" in answer.text
    assert "//" not in re.sub(r"<!--.*?-->", "", answer.text)  # no absolute or CDN address
    sources = re.findall(r'(?:src|href)="([^"]+)"', answer.text)
    assert sources
    assert all(s.startswith(f"{DOCS}/static/") for s in sources), sources


def test_the_docs_page_has_the_pages_security_headers_and_a_csp_with_no_other_host(
    client: TestClient,
) -> None:
    answer = client.get(DOCS)
    for name, value in SECURITY_HEADERS.items():
        if name != "Content-Security-Policy":
            assert answer.headers[name] == value
    csp = policy(answer.headers["content-security-policy"])
    for values in csp.values():
        for value in values:
            assert value in ("'self'", "'none'", "data:") or value.startswith("'sha256-"), value
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    # The one inline script (Swagger UI's start) is allowed by its hash, and nothing else is.
    inline = re.findall(r"<script>(.*?)</script>", answer.text, flags=re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert csp["script-src"] == ["'self'", f"'sha256-{digest}'"]


@pytest.mark.parametrize(
    ("asset", "media_type", "starts"),
    [
        ("swagger-ui-bundle.js", "text/javascript", b"/*!"),
        ("swagger-ui.css", "text/css", b".swagger-ui"),
        ("favicon.png", "image/png", b"\x89PNG"),
    ],
)
def test_swagger_uis_assets_are_served_locally_with_the_security_headers(
    client: TestClient, asset: str, media_type: str, starts: bytes
) -> None:
    answer = client.get(f"{DOCS}/static/{asset}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == media_type
    assert answer.content.startswith(starts)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in answer.headers
    assert answer.headers["cache-control"] == "no-cache"  # revalidated by ETag, not refetched


def test_the_docs_page_is_not_an_operation_of_the_api(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not any(p.startswith(DOCS) for p in paths)
