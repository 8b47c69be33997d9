"""The web pages in a real browser: Debian's chromium, driven by Playwright.

One small school is seeded once (the demo generator, plus a few students
written through the service for the stories below) and served by uvicorn on
a free loopback port.  Each test walks one person's journey and saves a
screenshot of the page it ends on in ``tests/screenshots/``.
"""

from __future__ import annotations

import csv
import io
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect

from api.bootstrap import Ledger, build
from api.cli.demo.catalogue import SCHOOL_URN
from api.cli.demo.runner import DemoOptions, run_demo
from api.config import Settings
from api.render import RENDERERS
from api.server import create_app
from ledger.domain.access import Actor
from ledger.domain.clock import SimulatedClock
from ledger.domain.vocabulary import Role
from tests import factories
from tests.api_support import serving

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parents[1] / "screenshots"
TODAY = date(2025, 3, 14)
OTHER_SCHOOL = "100002"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one worker seeds the site and runs the journeys
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@dataclass
class Site:
    url: str
    ledger: Ledger
    tokens: dict[str, str]
    students: dict[str, UUID]
    upns: dict[str, str]
    served_from: list[str] = field(default_factory=list)

    def kinds(self, student: str, kind: str) -> int:
        history = self.ledger.service.history(self.students[student])
        return sum(1 for e in history.entries if e.kind == kind)


def _staff(institution: str) -> Actor:
    return Actor(f"seed-{institution}", Role.ADVISER, institution)


def _story_student(ledger: Ledger, institution: str, **person: Any) -> tuple[UUID, str]:
    """A Year 11 student with a year of careers entries, written through the service."""
    registration = factories.registration(occurred_on="2023-09-04", **person)
    actor = _staff(institution)
    service = ledger.service
    student = service.register_student(registration, actor=actor).student_id
    entries = [
        (
            "enrolment",
            factories.enrolment(
                occurred_on="2023-09-04",
                institution_id=institution,
                year_group=10,
                academic_year=2023,
            ),
        ),
        ("employer_encounter", factories.employer_encounter(occurred_on="2024-10-03")),
        (
            "workplace_experience",
            factories.workplace_experience(occurred_on="2024-07-01", end_on="2024-07-05"),
        ),
        ("provider_encounter", factories.provider_encounter(occurred_on="2024-10-20")),
        ("guidance_interview", factories.guidance_interview(occurred_on="2024-11-12")),
        (
            "intended_destination",
            factories.PAYLOADS["intended_destination"](
                occurred_on="2024-11-12", provider_or_employer="City College"
            ),
        ),
    ]
    for kind, payload in entries:
        service.record(student, kind, payload, actor=actor)
    return student, registration["upn"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("pages")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'ledger.db'}",
        key_file=folder / "ledger.keys",
        project_in_process=False,
    )
    clock = SimulatedClock(datetime(2025, 3, 14, 8, 0, tzinfo=UTC))
    seeding = build(settings, clock)
    run_demo(seeding, clock, DemoOptions(seed=11, students=24, today=TODAY))
    students, upns = {}, {}
    for name, school, person in (
        ("amara", SCHOOL_URN, {"given_name": "Amara", "family_name": "Okafor"}),
        ("ben", SCHOOL_URN, {"given_name": "Ben", "family_name": "Carter"}),
        ("chloe", SCHOOL_URN, {"given_name": "Chloe", "family_name": "Wright"}),
        ("dara", OTHER_SCHOOL, {"given_name": "Dara", "family_name": "Singh"}),
    ):
        students[name], upns[name] = _story_student(seeding, school, **person)
    seeding.projections.projector.catch_up()
    seeding.close()

    ledger = build(settings.model_copy(update={"project_in_process": True}), clock)
    tokens = {
        role: ledger.tokens.create_user(role, SCHOOL_URN).token
        for role in ("adviser", "careers_leader", "auditor")
    }
    tokens["student"] = ledger.tokens.create_user(
        "student", SCHOOL_URN, student_id=students["amara"]
    ).token
    try:
        with serving(create_app(ledger=ledger)) as url:
            yield Site(url, ledger, tokens, students, upns)
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, site: Site, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    requests: list[str] = []
    opened.on("request", lambda r: requests.append(r.url))
    yield opened
    SCREENSHOTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    outside = [u for u in requests if not u.startswith(site.url) and not u.startswith("data:")]
    assert outside == [], "pages must load nothing from outside the server"


def sign_in(page: Any, token: str) -> None:
    page.goto("/")
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_every_field_is_labelled(page: Any) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(e => e.type !== 'hidden' && e.labels.length === 0
                           && !e.getAttribute('aria-label'))
              .map(e => e.name || e.id)"""
    )
    assert unlabelled == []


def test_a_person_signs_in_with_their_token_using_only_the_keyboard(page: Any, site: Site) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    focus_colour = page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
    assert focus_colour == "rgb(255, 221, 0)"  # focus is visible: the yellow focus style
    page.keyboard.press("Enter")
    page.get_by_label("Access token").focus()
    page.keyboard.type("clt_not-a-real-token-at-all-0000000")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("This token is not valid or was revoked")
    assert page.get_by_label("Access token").get_attribute("aria-invalid") == "true"

    page.get_by_label("Access token").fill(site.tokens["adviser"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/students")
    cookie = next(c for c in page.context.cookies() if c["name"] == "careers_ledger_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Strict"
    assert site.tokens["adviser"] not in cookie["value"]
    assert_every_field_is_labelled(page)


def test_an_adviser_finds_a_student_and_records_one_interview_from_a_double_submitted_form(
    page: Any, site: Site
) -> None:
    sign_in(page, site.tokens["adviser"])
    page.get_by_label("UPN or ULN").fill(site.upns["amara"])
    page.get_by_role("button", name="Find").click()
    page.wait_for_url(f"**/students/{site.students['amara']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor")
    assert page.locator(".gap-list li").count() > 0  # benchmark gaps at a glance
    assert page.locator(".timeline-item").count() >= 6

    page.get_by_role("link", name="Guidance interview", exact=True).click()
    assert_every_field_is_labelled(page)
    duration = page.get_by_label("Length in minutes")
    duration.fill("2")
    duration.press("Tab")  # validated as you go, before anything is sent
    expect(page.locator("#f-duration-minutes-error")).to_contain_text("Must be 5 or more")
    duration.fill("45")
    page.get_by_label("Adviser's name").fill("Priya Shah")
    page.get_by_label("Adviser's qualification level").fill("6")
    page.get_by_label("Advice given").fill("Apply for the Level 3 engineering course.")
    page.get_by_label("Agreed actions").fill("Visit the college open day\nAsk for a taster day")
    before = site.kinds("amara", "guidance_interview")

    statuses = page.evaluate(
        """() => {
             const form = document.querySelector('form[data-once]');
             const body = () => new URLSearchParams(new FormData(form));
             return Promise.all([fetch(form.action, {method: 'POST', body: body()}),
                                 fetch(form.action, {method: 'POST', body: body()})])
                    .then(rs => rs.map(r => r.status));
           }"""
    )
    assert statuses == [200, 200]
    assert site.kinds("amara", "guidance_interview") == before + 1

    page.get_by_role("button", name="Save").dblclick()  # and once more, as a person would
    page.wait_for_url("**/students/*?recorded=*")
    expect(page.get_by_role("status")).to_contain_text("Already recorded")
    assert site.kinds("amara", "guidance_interview") == before + 1
    expect(page.get_by_text("Ask for a taster day").first).to_be_visible()


def test_an_adviser_sees_the_server_refuse_a_bad_entry_next_to_its_field(
    page: Any, site: Site
) -> None:
    sign_in(page, site.tokens["adviser"])
    page.goto(f"/students/{site.students['ben']}/record/workplace_experience")
    page.get_by_label("First day").fill("2024-07-01")
    page.get_by_label("Last day").fill("2024-07-02")
    page.get_by_label("Employer").fill("Midlands Metro")
    page.get_by_label("Kind of experience").select_option("placement")
    page.get_by_label("Days", exact=True).fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Days: Must not exceed", ignore_case=True)
    expect(page.locator("#f-days-error")).to_contain_text("Must not exceed the days between")
    expect(page.get_by_label("Days", exact=True)).to_have_attribute("aria-invalid", "true")
    assert page.get_by_label("Employer").input_value() == "Midlands Metro"  # nothing lost
    assert site.kinds("ben", "workplace_experience") == 1


def test_an_adviser_is_told_clearly_when_the_record_changed_under_their_form(
    page: Any, site: Site
) -> None:
    sign_in(page, site.tokens["adviser"])
    page.goto(f"/students/{site.students['ben']}/record/labour_market_information")
    page.get_by_label("What the student used").fill("LMI for All: local jobs")
    site.ledger.service.record(  # a colleague records something meanwhile
        site.students["ben"],
        "curriculum_learning",
        factories.PAYLOADS["curriculum_learning"](occurred_on="2025-03-10"),
        actor=_staff(SCHOOL_URN),
    )
    page.get_by_role("button", name="Save").click()
    conflict = page.get_by_role("alert")
    expect(conflict).to_contain_text("The record changed while you were writing")
    expect(conflict).to_contain_text("nothing was saved")
    expect(conflict.get_by_role("link", name="reload a blank form")).to_be_visible()
    assert site.kinds("ben", "labour_market_information") == 0
    assert page.get_by_label("What the student used").input_value() == "LMI for All: local jobs"


def test_a_student_reads_their_record_adds_a_reflection_and_part_time_work_and_downloads_it(
    page: Any, site: Site, tmp_path: Path
) -> None:
    sign_in(page, site.tokens["student"])
    page.wait_for_url(f"**/students/{site.students['amara']}")
    expect(page.get_by_role("heading", name="My careers record")).to_be_visible()
    for section in (
        "Advice and agreed actions",
        "Benchmarks: done and still to come",
        "Destinations",
        "Everything on my record",
    ):
        expect(page.get_by_role("heading", name=section)).to_be_visible()
    expect(page.get_by_text("Attend the college open evening").first).to_be_visible()

    page.get_by_role("link", name="Add a reflection about this").first.click()
    expect(page.get_by_label("What it is about")).not_to_have_value("")
    page.get_by_label("Your reflection").fill(
        "Meeting the engineers showed me how maths is used every day."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded")

    page.get_by_role("link", name="Add my part-time work").click()
    page.get_by_label("Start date").fill("2024-06-01")
    page.get_by_label("Employer").fill("Corner Cafe")
    page.get_by_label("Your role").fill("Barista")
    page.get_by_label("Hours a week").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded")
    assert site.kinds("amara", "reflection") == 1
    assert site.kinds("amara", "part_time_work") == 1
    expect(page.locator(".tag-student")).to_have_count(2)

    downloads = {}
    for fmt in ("json", "csv", "pdf"):
        if fmt not in RENDERERS:  # a renderer still being built is announced, not linked
            expect(page.get_by_text("Not available yet")).to_contain_text(fmt.upper())
            continue
        with page.expect_download() as waiting:
            page.get_by_role("link", name=f"Download {fmt.upper()}").click()
        saved = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(saved)
        downloads[fmt] = saved.read_bytes()
    assert b'"events"' in downloads["json"]
    if "pdf" in downloads:
        assert downloads["pdf"].startswith(b"%PDF")
    if "csv" in downloads:
        rows = list(csv.reader(io.StringIO(downloads["csv"].decode("utf-8-sig"))))
        assert len(rows) > 8
    page.goto(f"/students/{site.students['amara']}")


def test_a_student_cannot_reach_another_students_page_which_answers_like_a_missing_one(
    page: Any, site: Site
) -> None:
    sign_in(page, site.tokens["student"])
    answers = {}
    for name, target in (
        ("same school", site.students["ben"]),
        ("other school", site.students["dara"]),
        ("missing", uuid.uuid4()),
    ):
        response = page.goto(f"/students/{target}")
        answers[name] = (response.status, page.locator("main").inner_text())
        assert "Okafor" not in answers[name][1]
    assert {status for status, _ in answers.values()} == {404}
    assert answers["same school"][1] == answers["missing"][1] == answers["other school"][1]
    response = page.goto(f"/students/{site.students['ben']}/download/json")
    assert response.status == 404


def test_a_careers_leader_filters_the_cohort_dashboard_downloads_it_and_imports_a_mis_file(
    page: Any, site: Site, tmp_path: Path
) -> None:
    sign_in(page, site.tokens["careers_leader"])
    page.wait_for_url("**/cohort")
    expect(page.locator("figure.chart svg").nth(7)).to_be_visible()
    page.get_by_label("Rule set").select_option("gatsby-2014")
    page.get_by_label("Equality gaps: benchmark").select_option("BM5")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/cohort?*ruleset=gatsby-2014*")
    expect(page.get_by_role("heading", name="Equality gaps: BM5")).to_be_visible()
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    saved = tmp_path / "cohort.csv"
    waiting.value.save_as(saved)
    table = list(csv.DictReader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert {row["ruleset"] for row in table} == {"gatsby-2014"}
    assert {"benchmark", "equality_gap"} <= {row["section"] for row in table}

    page.get_by_role("link", name="MIS import").click()
    upload = tmp_path / "students.csv"
    sample = Path(__file__).parents[1] / "data" / "mis" / "students-sims.csv"
    upload.write_bytes(
        sample.read_bytes() + b"Z801400019099,,Lee,Sam,01/01/2010,M,N,N,N,N,Year 10,03/09/2021\r\n"
    )
    page.get_by_label("What the file holds").select_option("students")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    report = page.locator("section[aria-labelledby=report-title]")
    expect(report).to_contain_text("Imported students.csv")
    expect(report.locator("tbody tr")).to_have_count(1)
    expect(report.get_by_role("link", name="Download the rejected rows (CSV)")).to_be_visible()


def test_an_auditor_replays_on_both_axes_verifies_and_downloads_the_evidence_pack(
    page: Any, site: Site, tmp_path: Path
) -> None:
    site.ledger.evidence.checkpoint()  # signed by the operator's `careers-ledger checkpoint`
    sign_in(page, site.tokens["auditor"])
    page.wait_for_url("**/audit")
    page.get_by_label("What had happened by").fill("2024-12-31")
    page.get_by_label("As recorded by the end of").fill("2025-01-31")
    page.get_by_role("button", name="Replay").click()
    page.wait_for_url("**/audit?*known_at=2025-01-31*")
    expect(page.locator("main")).to_contain_text("as recorded by the end of 31 Jan 2025")
    page.get_by_role("button", name="Verify the ledger now").click()
    expect(page.get_by_role("status")).to_contain_text("Verified: no changes found")
    expect(page.get_by_text("Tree size")).to_be_visible()

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download the evidence pack (PDF)").click()
    pdf = tmp_path / "pack.pdf"
    waiting.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        import subprocess

        subprocess.run(  # a picture of the PDF's charts page, to look at
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "2",
                "-l",
                "2",
                str(pdf),
                str(SCREENSHOTS / "evidence-pack-pdf-page"),
            ],
            check=True,
        )
    page.get_by_role("link", name="Open the evidence pack").click()
    expect(page.get_by_role("heading", name="Careers evidence pack")).to_be_visible()
    expect(page.locator("figure.chart svg").nth(7)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Verified: no changes found")
