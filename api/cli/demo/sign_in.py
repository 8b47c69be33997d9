"""The demo's way in: one user per role, and a few of its students worth opening.

Development mode only.  The tokens are printed once, to whoever reads the
terminal: right for an invented school on a laptop, never for a deployment,
so production mode creates none (``careers-ledger users create`` is the way
there).  The sample students are the demo's own inventions: their ledger ids,
year groups and invented names, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from api.bootstrap import Ledger
from api.cli.demo.catalogue import SCHOOL_URN
from api.cli.demo.generate import SchoolPlan
from ledger.domain.calendar import academic_year_of
from ledger.domain.errors import LedgerError
from ledger.domain.vocabulary import Role

SERVE_URL = "http://127.0.0.1:8000/"  # `careers-ledger serve` with its default host and port
DEMO_ROLES = (
    (Role.ADVISER, "demo adviser"),
    (Role.CAREERS_LEADER, "demo careers leader"),
    (Role.STUDENT, "demo student"),
    (Role.AUDITOR, "demo auditor"),
    (Role.DATA_PROTECTION_OFFICER, "demo data protection officer"),
)
SAMPLE_YEAR_GROUPS = (11, 13, 9)  # an interview year, a sixth-former, a younger student


class DemoUsersRefused(LedgerError):
    code = "demo_users_refused"
    status = 409
    title = "Demo users are for development mode only"


@dataclass(frozen=True)
class SampleStudent:
    """A demo student to open in the pages (everything here was invented by the demo)."""

    student_id: UUID
    year_group: int
    invented_name: str
    entries: int


@dataclass(frozen=True)
class DemoSignIn:
    role: Role
    user_id: str
    token: str
    student_id: UUID | None


def sample_students(school: SchoolPlan) -> tuple[SampleStudent, ...]:
    """For each of Years 11, 13 and 9, the student on roll with the fullest record."""
    current = academic_year_of(school.today)
    entries = {stream.student_id: len(stream.entries) for stream in school.streams}
    on_roll = [p for p in school.pupils if p.left_on is None or p.left_on > school.today]
    samples = []
    for year_group in SAMPLE_YEAR_GROUPS:
        in_year = [p for p in on_roll if p.year_group(current) == year_group]
        if not in_year:
            continue
        # Fullest first; the index breaks ties, so the same seed picks the same students.
        pupil = max(in_year, key=lambda p: (entries.get(p.student_id, 0), -p.index))
        samples.append(
            SampleStudent(
                pupil.student_id,
                year_group,
                f"{pupil.given_name} {pupil.family_name}",
                entries.get(pupil.student_id, 0),
            )
        )
    return tuple(samples)


def create_demo_users(ledger: Ledger, student_id: UUID) -> list[DemoSignIn]:
    """A user per role at the demo school, the student user bound to ``student_id``."""
    if ledger.settings.mode != "development":
        raise DemoUsersRefused("demo users are created in development mode only")
    created = []
    for role, label in DEMO_ROLES:
        bound = student_id if role is Role.STUDENT else None
        issued = ledger.tokens.create_user(role, SCHOOL_URN, student_id=bound, label=label)
        created.append(DemoSignIn(role, issued.user.id, issued.token, bound))
    return created
