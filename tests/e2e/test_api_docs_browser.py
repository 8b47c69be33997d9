"""`/api/v1/docs` in a real browser (Debian's chromium, through Playwright): Swagger UI
renders the API's operations from this server alone, and its CSP refuses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from api.bootstrap import build
from api.config import Settings
from api.server import create_app
from tests.api_support import serving
from tests.e2e.test_pages_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", key_file=tmp_path / "k")
    ledger = build(settings)
    try:
        with serving(create_app(ledger=ledger)) as served:
            yield served
    finally:
        ledger.close()


def test_swagger_ui_renders_the_operations_with_no_csp_error_and_nothing_from_outside(
    url: str,
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(base_url=url)
            page.set_default_timeout(20_000)
            messages: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto("/api/v1/docs")
            expect(page.locator(".opblock").first).to_be_visible()
            expect(page.locator(".opblock-summary-path", has_text="/api/v1/health")).to_be_visible()
            assert page.locator(".opblock").count() > 10
            expect(page.locator(".info .title")).to_contain_text("Careers Ledger API")
            styled: Any = page.evaluate(
                "getComputedStyle(document.querySelector('.swagger-ui .info .title')).fontSize"
            )
            assert styled != "16px"  # the local stylesheet applied
        finally:
            browser.close()
    refused = [m for m in messages if "Content Security Policy" in m or m.startswith("error")]
    assert refused == []
    outside = [r for r in requests if not r.startswith(url) and not r.startswith("data:")]
    assert outside == []
