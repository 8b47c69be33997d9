"""The offline verifier: a student's export bundle checked with nothing but a public key.

No database, no keys but the log's public key.  It checks the signed
checkpoint (signature and origin), the signed statement (student, event count,
last link, checkpoint, access-log digest), every event's commitment from its
plaintext and salt, every chain link from the exact stored bytes, sequences
contiguous from 1, every event's inclusion proof against the checkpoint, the
exporter's consistency with its own earlier checkpoints and, given one, with a
checkpoint the receiver trusted earlier: a rollback or a fork fails.  Each
failure names the student and, where there is one, the sequence.  A
consistency proof that no signed checkpoint anchors is checked as far as it
can be and then reported as *unverified*: the report's status is then
"unverified", never "ok".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from ledger.domain import chain, merkle
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.evidence.bundle import (
    FORMAT,
    AccessDigest,
    BundleFormatError,
    Statement,
    entry_document,
    unb64,
)
from ledger.domain.evidence.bundle_consistency import (
    check_history,
    check_trusted,
    consistency_items,
)
from ledger.domain.evidence.leaf import event_leaf
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteVerifier

KIND_OF_TOPIC = {cls.TOPIC: kind for kind, cls in EVENT_CLASSES.items()}


@dataclass(frozen=True)
class BundleFailure:
    student_id: str | None
    sequence: int | None
    reason: str

    def __str__(self) -> str:
        where = []
        if self.student_id:
            where.append(f"student {self.student_id}")
        if self.sequence is not None:
            where.append(f"sequence {self.sequence}")
        return f"{' '.join(where)}: {self.reason}" if where else self.reason


OK = "ok"
UNVERIFIED = "unverified"
FAILED = "failed"


@dataclass
class BundleReport:
    student_id: str | None = None
    events: int = 0
    checkpoint: Checkpoint | None = None
    failures: list[BundleFailure] = field(default_factory=list)
    unverified: list[BundleFailure] = field(default_factory=list)
    """What nothing in hand could check (no failure found, but no proof either)."""

    @property
    def status(self) -> str:
        """``failed`` on any failure, else ``unverified`` if anything was left unchecked."""
        if self.failures:
            return FAILED
        return UNVERIFIED if self.unverified else OK

    @property
    def ok(self) -> bool:
        return self.status == OK

    def fail(self, reason: str, sequence: int | None = None) -> None:
        self.failures.append(BundleFailure(self.student_id, sequence, reason))

    def leave_unverified(self, reason: str) -> None:
        self.unverified.append(BundleFailure(self.student_id, None, reason))


def verify_bundle(
    bundle: Mapping[str, Any], public_key: str, trusted_checkpoint: str | None = None
) -> BundleReport:
    """Check an export bundle (parsed JSON); ``trusted_checkpoint`` is a signed note text."""
    report = BundleReport(student_id=_text(bundle.get("student_id")))
    try:
        verifier = NoteVerifier.from_vkey(public_key)
    except NoteError as exc:
        report.fail(f"the public key is unusable: {exc}")
        return report
    if bundle.get("format") != FORMAT:
        report.fail(f"the bundle's format is not {FORMAT}")
        return report
    try:
        student_id = UUID(str(bundle.get("student_id")))
    except ValueError:
        report.fail("the bundle's student_id is not a UUID")
        return report
    if bundle.get("origin") != verifier.name:
        report.fail(f"the bundle's origin is not {verifier.name}, the log the key signs for")
    try:
        checkpoint = Checkpoint.open(_text(bundle.get("checkpoint")), verifier, verifier.name)
    except NoteError as exc:
        report.fail(f"the checkpoint is refused: {exc}")
        checkpoint = None
    report.checkpoint = checkpoint
    statement = _statement(bundle, verifier, report)
    head = _verify_events(bundle.get("events"), student_id, checkpoint, report)
    access = _access_digest(bundle.get("access_log"), report)
    if statement is not None:
        _compare_statement(statement, student_id, checkpoint, report, head, access)
    items = consistency_items(bundle.get("consistency"), report.fail)
    if checkpoint is not None:
        anchored = None
        if trusted_checkpoint is not None:
            anchored = check_trusted(items, checkpoint, trusted_checkpoint, verifier, report.fail)
        check_history(items, checkpoint, verifier, report.fail, report.leave_unverified, anchored)
    return report


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _statement(
    bundle: Mapping[str, Any], verifier: NoteVerifier, report: BundleReport
) -> Statement | None:
    try:
        statement = Statement.parse(verifier.verify(_text(bundle.get("statement"))))
    except (NoteError, BundleFormatError) as exc:
        report.fail(f"the export statement is refused: {exc}")
        return None
    if statement.origin != verifier.name:
        report.fail(f"the export statement's origin is not {verifier.name}")
    return statement


def _verify_events(
    events: Any, student_id: UUID, checkpoint: Checkpoint | None, report: BundleReport
) -> tuple[int, bytes | None]:
    if not isinstance(events, list):
        report.fail("the bundle has no events list")
        return 0, None
    previous = chain.GENESIS
    last_index = -1
    last_link: bytes | None = None
    for position, entry in enumerate(events, start=1):
        report.events += 1
        sequence = entry.get("sequence") if isinstance(entry, dict) else None
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            report.fail(f"event {position} in the bundle has no sequence number")
            continue
        if sequence != position:
            report.fail(
                f"expected sequence {position} here: events are missing or reordered", sequence
            )
        try:
            link, index = _verify_event(entry, student_id, sequence, previous, checkpoint, report)
        except KeyError as exc:
            report.fail(f"the event entry lacks the field {exc}", sequence)
            continue
        except (BundleFormatError, TypeError, ValueError) as exc:
            report.fail(f"the event entry is malformed: {exc}", sequence)
            continue
        if index <= last_index:
            report.fail("the event's log position is not after the previous event's", sequence)
        previous, last_index, last_link = link, index, link
    return report.events, last_link


def _verify_event(
    entry: dict[str, Any],
    student_id: UUID,
    sequence: int,
    previous: bytes,
    checkpoint: Checkpoint | None,
    report: BundleReport,
) -> tuple[bytes, int]:
    proofs = entry["chain"]
    salt = unb64(proofs["salt"], "chain.salt")
    commitment = unb64(proofs["commitment"], "chain.commitment")
    link = unb64(proofs["link"], "chain.link")
    stored = unb64(proofs["stored_bytes"], "chain.stored_bytes")
    topic = entry["topic"]
    if not isinstance(topic, str):
        raise BundleFormatError("topic must be a string")
    if KIND_OF_TOPIC.get(topic, entry["kind"]) != entry["kind"]:
        report.fail("the event's kind does not match its stored topic", sequence)
    if proofs["recorded_at"] != entry["recorded_at"]:
        report.fail("the recorded time differs from the chain's", sequence)
    document = entry_document(entry)
    if not chain.same(chain.commitment(salt, chain.canonical(document)), commitment):
        report.fail("the event's content does not match its commitment", sequence)
    recomputed = chain.link(
        previous,
        student_id=str(student_id),
        sequence=sequence,
        topic=topic,
        recorded_at=str(proofs["recorded_at"]),
        commitment_digest=commitment,
        stored_state=stored,
    )
    if not chain.same(recomputed, link):
        report.fail("the stored bytes or metadata do not match the chain link", sequence)
    log = entry["log"]
    index = log["index"]
    if not isinstance(index, int):
        raise BundleFormatError("log.index must be an integer")
    proof = [unb64(h, "log.inclusion_proof") for h in log["inclusion_proof"]]
    if checkpoint is not None and not merkle.verify_inclusion(
        index, checkpoint.size, event_leaf(student_id, sequence, link), proof, checkpoint.root
    ):
        report.fail(
            f"the event is not in the signed checkpoint (inclusion proof at log index {index} "
            "fails)",
            sequence,
        )
    return link, index


def _access_digest(section: Any, report: BundleReport) -> AccessDigest | None:
    if not isinstance(section, dict) or not isinstance(section.get("entries"), list):
        report.fail("the bundle has no access_log section with entries")
        return None
    digest = AccessDigest()
    for entry in section["entries"]:
        if not isinstance(entry, dict):
            report.fail("an access-log entry is not an object")
            return None
        digest.add(entry)
    return digest


def _compare_statement(
    statement: Statement,
    student_id: UUID,
    checkpoint: Checkpoint | None,
    report: BundleReport,
    head: tuple[int, bytes | None],
    access: AccessDigest | None,
) -> None:
    count, last_link = head
    if statement.student_id != student_id:
        report.fail("the export statement is for another student")
    if checkpoint is not None and (
        statement.tree_size != checkpoint.size or statement.root != checkpoint.root
    ):
        report.fail("the export statement names another checkpoint")
    if statement.events != count:
        report.fail(
            f"the export statement says {statement.events} events, the bundle holds {count}: "
            "events were removed or added"
        )
    elif statement.head != last_link:
        report.fail("the last event's link is not the one the export statement signs", count)
    if access is not None and (
        statement.access_entries != access.count or statement.access_digest != access.digest()
    ):
        report.fail("the access log differs from the one the export statement signs")
