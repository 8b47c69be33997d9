"""Transition import: a student's record from their previous school or college.

The bundle (another deployment's JSON export) is verified first, offline,
against the key this deployment trusts for its origin (``trust.py``):
signature, chain, commitments, inclusion proofs and, when it is newer than the
last one seen, consistency with that origin's earlier checkpoint.  A bundle
that fails anything is refused with the reasons and nothing is written.

A verified record is appended to the local student (matched by UPN, else
ULN; registered from the bundle when unknown) in one transaction: a
``prior_record_import`` entry naming the bundle, then every origin entry not
already imported, each with its provenance (origin, origin student id,
origin sequence, bundle digest, origin recorded time).  Corrections and
retractions are re-pointed at the local copies of the entries they amend.
Idempotency keys come from origin + origin student + origin sequence, so the
same bundle twice changes nothing and a longer one adds only what is new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import orjson
from pydantic import ValidationError

from ledger.domain.access import STAFF_WRITERS, Actor
from ledger.domain.errors import (
    FieldProblem,
    Forbidden,
    LedgerError,
    StorageUnavailable,
    StudentNotFound,
    VersionConflict,
)
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.evidence.bundle_verify import verify_bundle
from ledger.domain.evidence.notes import Checkpoint, NoteError, NoteVerifier
from ledger.domain.vocabulary import Role
from ledger.service.commands import Command, registration_stream_id
from ledger.service.ledger_service import LedgerService


@dataclass(frozen=True)
class TrustedOrigin:
    origin: str
    vkey: str
    key_id: str
    added_at: datetime
    last_checkpoint: str | None
    last_size: int | None


class TrustedOrigins(Protocol):
    """The origins this deployment accepts records from (the adapter: ``api.store.trust``)."""

    def get(self, origin: str) -> TrustedOrigin | None: ...

    def saw(self, checkpoint: Checkpoint) -> None:
        """Remember the largest checkpoint seen from its origin (catches a rolled-back log)."""
        ...


NOT_CARRIED = frozenset({"legal_hold_placed", "legal_hold_lifted", "erasure"})
AMENDMENTS = frozenset({"correction", "retraction"})
ATTEMPTS = 3
SHOWN_FAILURES = 5


class BundleRefused(LedgerError):
    code = "bundle_refused"
    status = 422
    title = "The record bundle was refused; nothing was imported"


def _refuse(reason: str, field: str = "bundle") -> BundleRefused:
    return BundleRefused(f"{field}: {reason}", (FieldProblem(field, reason),))


@dataclass
class TransitionReport:
    origin: str
    origin_student_id: str
    bundle_sha256: str
    checkpoint_size: int
    events_in_bundle: int
    dry_run: bool = False
    student_id: UUID | None = None
    registered: bool = False
    imported: int = 0
    already_present: int = 0
    not_carried: int = 0


@dataclass
class _Plan:
    student_id: UUID
    registered: bool
    commands: list[Command] = field(default_factory=list)
    already: int = 0
    skipped: int = 0


class TransitionImport:
    """Verify a bundle against the trusted origins, then append what is new."""

    def __init__(
        self, service: LedgerService, trust: TrustedOrigins, local_origin: str | None = None
    ) -> None:
        self.service = service
        self.trust = trust
        self.local_origin = local_origin

    def run(self, data: bytes, *, actor: Actor, dry_run: bool = False) -> TransitionReport:
        if actor.role not in STAFF_WRITERS:
            raise Forbidden(f"the {actor.role.value} role cannot import records")
        bundle = _parse(data)
        origin = str(bundle.get("origin") or "")
        if origin and origin == self.local_origin:
            raise _refuse("it was exported by this ledger itself; the record is already here")
        trusted = self.trust.get(origin)
        if trusted is None:
            raise _refuse(
                f"its origin {origin!r} is not trusted here (careers-ledger trust add)", "origin"
            )
        checkpoint = _verified(bundle, trusted)
        events: list[dict[str, Any]] = bundle["events"]
        report = TransitionReport(
            origin=origin,
            origin_student_id=str(bundle["student_id"]),
            bundle_sha256=hashlib.sha256(data).hexdigest(),
            checkpoint_size=checkpoint.size,
            events_in_bundle=len(events),
            dry_run=dry_run,
        )
        for attempt in range(ATTEMPTS):
            plan = self._plan(report, checkpoint, events, actor)
            replayed = [False] * len(plan.commands)
            if not dry_run and plan.commands:
                try:
                    results = self.service.execute(plan.commands, actor=_verified_import(actor))
                except VersionConflict:
                    if attempt + 1 == ATTEMPTS:
                        raise
                    continue  # someone wrote to the record meanwhile: plan again
                except StorageUnavailable:
                    raise
                except LedgerError as exc:
                    raise _refuse(f"the record cannot be recorded here: {exc.detail}") from None
                replayed = [r.replayed for r in results]
            carried = [r for c, r in zip(plan.commands, replayed, strict=True) if c.provenance]
            report.student_id = plan.student_id
            report.registered = plan.registered and not replayed[0]
            report.imported = carried.count(False)
            report.already_present = plan.already + carried.count(True)
            report.not_carried = plan.skipped
            break
        if not dry_run:
            self.trust.saw(checkpoint)
        return report

    # -- planning ---------------------------------------------------------------
    def _plan(
        self,
        report: TransitionReport,
        checkpoint: Checkpoint,
        events: list[dict[str, Any]],
        actor: Actor,
    ) -> _Plan:
        registration = events[0] if events else {}
        if registration.get("kind") != "registration" or registration.get("sequence") != 1:
            raise _refuse("its first entry is not the student's registration")
        local = self._local_student(registration.get("data") or {}, actor)
        prefix = _key_prefix(report.origin, report.origin_student_id)
        mapping: dict[int, int] = {}
        if local is None:
            key = f"{prefix}/1"
            plan = _Plan(registration_stream_id(actor.institution_id, key), registered=True)
            payload = _payload(registration, mapping, report)
            assert payload is not None
            plan.commands.append(
                Command(
                    "registration", payload, plan.student_id, key, None, _prov(registration, report)
                )
            )
            mapping[1] = 1
            version, seen_bundles = 1, set[str]()
        else:
            plan = _Plan(local, registered=False)
            version, seen_bundles = self._imported_so_far(local, report, mapping, actor)
            if 1 in mapping:
                plan.already += 1
            else:
                plan.skipped += 1  # the local registration stands for the origin's
        entries: list[Command] = []
        recorded_before = report.bundle_sha256 in seen_bundles
        # The prior_record_import entry comes first, so the entries start one later.
        next_sequence = version + (1 if recorded_before else 2)
        for event in events[1:]:
            sequence = int(event["sequence"])
            if sequence in mapping:
                plan.already += 1
                continue
            payload = _payload(event, mapping, report)
            if payload is None:
                plan.skipped += 1
                continue
            key = f"{prefix}/{sequence}"
            entries.append(
                Command(
                    str(event["kind"]), payload, plan.student_id, key, None, _prov(event, report)
                )
            )
            mapping[sequence] = next_sequence
            next_sequence += 1
        if not entries and not plan.registered:
            return plan
        if not recorded_before:
            plan.commands.append(self._prior_record(plan.student_id, prefix, report, checkpoint))
        plan.commands.extend(entries)
        if not plan.registered:
            first = plan.commands[0]
            plan.commands[0] = Command(
                first.kind,
                first.payload,
                first.student_id,
                first.idempotency_key,
                version,
                first.provenance,
            )
        return plan

    def _local_student(self, registration: Mapping[str, Any], actor: Actor) -> UUID | None:
        found: dict[str, UUID] = {}
        for kind in ("upn", "uln"):
            value = registration.get(kind)
            if not value:
                continue
            try:
                found[kind] = self.service.find_student(actor=actor, **{kind: str(value)})
            except StudentNotFound:
                continue
        if len(set(found.values())) > 1:
            raise _refuse("its UPN and ULN belong to two different students here")
        return next(iter(found.values()), None)

    def _imported_so_far(
        self, student_id: UUID, report: TransitionReport, mapping: dict[int, int], actor: Actor
    ) -> tuple[int, set[str]]:
        history = self.service.history(student_id, actor=actor)
        bundles: set[str] = set()
        for entry in history.entries:
            provenance = entry.provenance or {}
            if (
                provenance.get("origin") == report.origin
                and provenance.get("origin_student_id") == report.origin_student_id
                and "origin_sequence" in provenance
            ):
                mapping[int(provenance["origin_sequence"])] = entry.sequence
            if entry.kind == "prior_record_import":
                bundles.add(str(entry.data.get("bundle_digest")))
        return history.version, bundles

    def _prior_record(
        self, student_id: UUID, prefix: str, report: TransitionReport, checkpoint: Checkpoint
    ) -> Command:
        payload = {
            "occurred_on": self.service.clock.now().date().isoformat(),
            "origin": report.origin,
            "origin_student_id": report.origin_student_id,
            "bundle_digest": report.bundle_sha256,
            "checkpoint": checkpoint.note,
            "event_count": report.events_in_bundle,
        }
        key = f"{prefix}/bundle/{report.bundle_sha256[:32]}"
        return Command("prior_record_import", payload, student_id, key)


def _verified_import(actor: Actor) -> Actor:
    """The import appends on the system's authority once the bundle has verified.

    The importer's own rights were checked (role, and scope when finding the
    student); the entries are the origin's, some in the student's own words
    (reflections), which no member of staff may write.  Their origin author
    stays in the provenance; the importer's id is the recorded actor.
    """
    return Actor(actor.id, Role.SYSTEM, actor.institution_id)


def _parse(data: bytes) -> dict[str, Any]:
    try:
        bundle = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise _refuse("is not a JSON export bundle") from None
    if not isinstance(bundle, dict) or not isinstance(bundle.get("events"), list):
        raise _refuse("is not a JSON export bundle (no events list)")
    return bundle


def _verified(bundle: dict[str, Any], trusted: TrustedOrigin) -> Checkpoint:
    carried = (bundle.get("public_key") or {}).get("vkey")
    if carried is not None and carried != trusted.vkey:
        raise _refuse(
            f"it is signed by a key this deployment does not trust for {trusted.origin} "
            "(if the origin rotated its key: careers-ledger trust add --replace)",
            "public_key",
        )
    trusted_checkpoint = None
    if trusted.last_checkpoint is not None and trusted.last_size is not None:
        try:
            size = Checkpoint.open(
                str(bundle.get("checkpoint")), NoteVerifier.from_vkey(trusted.vkey)
            ).size
        except NoteError:
            size = -1  # the verifier reports why
        # An older bundle cannot carry a proof up to a newer checkpoint; the newer
        # ones must extend what was seen (a rolled-back or forked log fails).
        if size >= trusted.last_size:
            trusted_checkpoint = trusted.last_checkpoint
    report = verify_bundle(bundle, trusted.vkey, trusted_checkpoint)
    if not report.ok or report.checkpoint is None:
        shown = "; ".join(str(f) for f in report.failures[:SHOWN_FAILURES])
        more = len(report.failures) - SHOWN_FAILURES
        raise _refuse(
            f"it failed verification: {shown}" + (f" (and {more} more)" if more > 0 else "")
        )
    return report.checkpoint


def _key_prefix(origin: str, origin_student_id: str) -> str:
    digest = hashlib.sha256(f"{origin}\n{origin_student_id}".encode()).hexdigest()
    return f"transition/{digest[:32]}"


def _prov(event: Mapping[str, Any], report: TransitionReport) -> dict[str, Any]:
    provenance: dict[str, Any] = {
        "origin": report.origin,
        "origin_student_id": report.origin_student_id,
        "origin_sequence": int(event["sequence"]),
        "bundle_digest": report.bundle_sha256,
        "origin_recorded_at": event.get("recorded_at"),
        "origin_institution_id": event.get("institution_id"),
        "origin_actor": event.get("actor"),
    }
    if event.get("provenance"):
        provenance["earlier"] = event["provenance"]
    return provenance


def _payload(
    event: Mapping[str, Any], mapping: Mapping[int, int], report: TransitionReport
) -> dict[str, Any] | None:
    """The entry's payload for this ledger, or None when it is not carried over."""
    kind = event.get("kind")
    sequence = event.get("sequence")
    if kind in NOT_CARRIED:
        return None
    if kind not in EVENT_CLASSES:
        raise _refuse(f"entry {sequence} is of a kind this ledger does not know")
    payload = {**(event.get("data") or {}), "occurred_on": event.get("occurred_on")}
    if kind in AMENDMENTS:
        target = mapping.get(int(payload.get("amends_sequence") or 0))
        if target is None:
            return None  # it amends an entry that was not carried over
        payload["amends_sequence"] = target
    if kind == "reflection" and payload.get("about_sequence") is not None:
        payload["about_sequence"] = mapping.get(int(payload["about_sequence"]))
    try:
        EVENT_CLASSES[kind].PAYLOAD.model_validate(payload)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "entry" for e in exc.errors()})
        raise _refuse(
            f"entry {sequence} does not fit this ledger's schema ({', '.join(fields)})"
        ) from None
    return payload
