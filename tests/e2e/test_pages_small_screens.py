"""Every page the browser journeys visit, at a phone's width (375 x 812 CSS pixels).

Nothing may push the page sideways (wide tables and charts scroll inside their
own box instead), and no chart text may be drawn smaller than 10 px however
the SVG is scaled.  Uses the seeded site and the browser of
``test_pages_browser.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.cli.demo.runner import DemoOptions, plan_demo
from tests.e2e.test_pages_browser import (  # noqa: F401 (fixtures shared with the journeys)
    CHROMIUM,
    SCREENSHOTS,
    TODAY,
    Site,
    browser,
    sign_in,
    site,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

PHONE = {"width": 375, "height": 812}
SMALLEST_CHART_TEXT_PX = 10.0

# Open every "Show the numbers", then measure: the widest element that sticks out
# of the page, and every chart text's size as drawn (font-size times the SVG's scale).
MEASURE = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  const culprits = [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                 && !e.closest('.scroll-x'))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                            + (e.className && e.className.baseVal === undefined
                               ? '.' + e.className : ''));
  const texts = [...document.querySelectorAll('svg text')].map(t => {
    const size = parseFloat(t.getAttribute('font-size') || getComputedStyle(t).fontSize);
    return {text: t.textContent, px: size * t.getScreenCTM().a};
  });
  return {overflow, culprits, texts};
}"""


@pytest.fixture
def phone(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(base_url=site.url, viewport=PHONE, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    yield opened
    SCREENSHOTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def _fits(page: Any, where: str) -> int:
    """Assert the page fits the phone's width; returns how many chart texts were measured."""
    page.wait_for_load_state()
    measured = page.evaluate(MEASURE)
    assert measured["overflow"] <= 0, (
        f"{where} is {measured['overflow']} px wider than the screen: {measured['culprits']}"
    )
    small = [t for t in measured["texts"] if t["px"] < SMALLEST_CHART_TEXT_PX]
    assert small == [], f"{where}: chart text below {SMALLEST_CHART_TEXT_PX} px: {small[:5]}"
    return len(measured["texts"])


def test_staff_pages_fit_a_phone_with_chart_text_at_least_10_px(
    phone: Any,
    site: Site,  # noqa: F811
    tmp_path: Path,
) -> None:
    phone.goto("/")
    _fits(phone, "sign-in")

    sign_in(phone, site.tokens["adviser"])
    phone.wait_for_url("**/students")
    _fits(phone, "find a student")
    for name, student in (("amara", site.students["amara"]), ("a leaver", _a_leaver())):
        phone.goto(f"/students/{student}")
        _fits(phone, f"{name}'s record as an adviser")
    assert phone.locator("table caption", has_text="left").count() > 0  # a destinations table
    phone.goto(f"/students/{site.students['amara']}/record/guidance_interview")
    _fits(phone, "guidance interview form")
    phone.goto(f"/students/{site.students['ben']}/record/workplace_experience")
    _fits(phone, "workplace experience form")

    phone.context.clear_cookies()
    sign_in(phone, site.tokens["careers_leader"])
    phone.goto("/cohort?ruleset=gatsby-2014&benchmark=BM5")
    assert _fits(phone, "cohort dashboard") > 50  # the charts were there to measure
    phone.goto("/imports")
    _fits(phone, "imports")
    upload = tmp_path / "students.csv"
    sample = Path(__file__).parents[1] / "data" / "mis" / "students-sims.csv"
    upload.write_bytes(
        sample.read_bytes() + b"Z801400019099,,Lee,Sam,01/01/2010,M,N,N,N,N,Year 10,03/09/2021\r\n"
    )
    phone.get_by_label("What the file holds").select_option("students")
    phone.get_by_label("CSV file").set_input_files(str(upload))
    phone.get_by_role("button", name="Import").click()
    phone.wait_for_selector("section[aria-labelledby=report-title]")
    _fits(phone, "an import's report with its rejected rows")

    phone.context.clear_cookies()
    sign_in(phone, site.tokens["auditor"])
    phone.goto("/audit")
    assert _fits(phone, "audit") > 50
    phone.get_by_role("button", name="Verify the ledger now").click()
    phone.wait_for_load_state()
    _fits(phone, "audit after verifying")
    phone.goto("/audit/evidence")
    assert _fits(phone, "evidence pack") > 50


def test_a_students_own_pages_fit_a_phone(phone: Any, site: Site) -> None:  # noqa: F811
    sign_in(phone, site.tokens["student"])
    phone.wait_for_url(f"**/students/{site.students['amara']}")
    _fits(phone, "my careers record")
    phone.goto(f"/students/{site.students['amara']}/record/reflection")
    _fits(phone, "reflection form")
    phone.goto(f"/students/{site.students['amara']}/record/part_time_work")
    _fits(phone, "part-time work form")


def _a_leaver() -> UUID:
    """The demo student (the site's seed) with the most destinations, to show their tables."""
    school, _ = plan_demo(DemoOptions(seed=11, students=24, today=TODAY))
    return max(
        school.streams, key=lambda s: sum(1 for e in s.entries if e.kind == "destination")
    ).student_id
