"""Responses are gzipped for clients that ask (GZipMiddleware in api/server.py): pages,
streamed downloads and the API's JSON, with nothing lost; small answers go as they are."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import Ledger
from api.server import create_app
from tests.api_support import SCHOOL_A, register
from tests.integration.test_pages_http import signed_in

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def client(ledger: Ledger) -> Iterator[TestClient]:
    with TestClient(create_app(ledger=ledger), follow_redirects=False) as client:
        yield client


def raw(client: TestClient, path: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The bytes as sent on the wire, before the client undoes any Content-Encoding."""
    with client.stream("GET", path, headers=headers) as answer:
        assert answer.status_code == 200, path
        return dict(answer.headers), b"".join(answer.iter_raw())


def test_a_page_is_sent_gzipped_much_smaller_to_a_browser_that_accepts_it(
    ledger: Ledger, client: TestClient
) -> None:
    for _ in range(3):
        register(ledger, SCHOOL_A)
    signed_in(client, ledger.tokens.create_user("careers_leader", SCHOOL_A).token)

    plain_headers, html = raw(client, "/cohort", IDENTITY)
    assert "content-encoding" not in plain_headers
    assert len(html) > 20_000
    headers, sent = raw(client, "/cohort", GZIP)
    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert headers["content-type"].startswith("text/html")
    assert "content-security-policy" in headers  # the page's own headers are kept
    assert len(sent) < len(html) / 4
    assert gzip.decompress(sent).count(b"<svg") == html.count(b"<svg")


def test_a_streamed_download_arrives_whole_when_gzipped(ledger: Ledger, client: TestClient) -> None:
    student, _ = register(ledger, SCHOOL_A)
    signed_in(client, ledger.tokens.create_user("adviser", SCHOOL_A).token)
    headers, sent = raw(client, f"/students/{student}/download/json", GZIP)
    assert headers["content-disposition"].startswith("attachment;")
    body = gzip.decompress(sent) if headers.get("content-encoding") == "gzip" else sent
    assert json.loads(body)["events"]


def test_the_apis_json_and_problem_json_survive_compression(
    ledger: Ledger, client: TestClient
) -> None:
    student, _ = register(ledger, SCHOOL_A)
    token = ledger.tokens.create_user("adviser", SCHOOL_A).token
    bearer = {"Authorization": f"Bearer {token}", **GZIP}

    refused = client.get(f"/api/v1/students/{student}/record", headers=GZIP)  # no token
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "content-encoding" not in refused.headers  # under 1 KB: sent as it is
    assert refused.json()["status"] == 401

    record = client.get(f"/api/v1/students/{student}/record", headers=bearer)
    assert record.status_code == 200
    assert record.json()  # decoded whole, whether or not it was worth compressing
    spec = client.get("/api/v1/openapi.json", headers=bearer)
    assert spec.headers["content-encoding"] == "gzip"
    assert spec.json()["openapi"].startswith("3.")
