"""A student's export bundle: schema-valid, streamed, and verifiable offline with only the
public key; a tampered bundle fails with the reason (docs/evidence.md)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any
from uuid import UUID

import jsonschema
import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import Ledger
from api.cli.main import app as cli
from api.render import RENDERERS
from ledger.domain import chain
from ledger.domain.access import Actor
from ledger.domain.errors import Forbidden, StudentNotFound
from ledger.domain.evidence import bundle as shapes
from ledger.domain.evidence.bundle_verify import verify_bundle
from ledger.domain.evidence.notes import Checkpoint, NoteSigner
from ledger.domain.vocabulary import Role
from ledger.service.export import export_record
from tests import factories

SCHEMA = orjson.loads((Path(__file__).parents[2] / "docs/export-bundle.schema.json").read_bytes())
SCHOOL = "100001"
ADVISER = Actor("adviser-1", Role.ADVISER, SCHOOL)


def careers_record(ledger: Ledger) -> UUID:
    """Amara's record: enrolment, encounters, an interview corrected once, a retraction."""
    service = ledger.service
    amara = service.register_student(factories.registration(), actor=ADVISER).student_id
    service.record(amara, "enrolment", factories.enrolment(institution_id=SCHOOL), actor=ADVISER)
    service.record(amara, "employer_encounter", factories.employer_encounter(), actor=ADVISER)
    interview = service.record(
        amara, "guidance_interview", factories.guidance_interview(), actor=ADVISER
    )
    service.correct(amara, interview.sequence, {"duration_minutes": 45}, "typed 40", actor=ADVISER)
    mistaken = service.record(
        amara, "provider_encounter", factories.provider_encounter(), actor=ADVISER
    )
    service.retract(amara, mistaken.sequence, "recorded for the wrong pupil", actor=ADVISER)
    service.record(amara, "destination", factories.destination(), actor=ADVISER)
    return amara


def leave(ledger: Ledger, student: UUID) -> None:
    ledger.service.record(
        student, "leaving", factories.leaving(occurred_on="2025-01-05"), actor=ADVISER
    )


def exported(ledger: Ledger, student: UUID, actor: Actor = ADVISER, **options: Any) -> bytes:
    out = io.BytesIO()
    prepared = export_record(ledger.service, ledger.evidence, student, actor=actor, **options)
    RENDERERS["json"].render(prepared, out)
    return out.getvalue()


def verified(bundle: dict[str, Any], ledger: Ledger, trusted: str | None = None) -> list[str]:
    report = verify_bundle(bundle, ledger.evidence.public_key(), trusted)
    return [str(f) for f in report.failures]


@pytest.fixture
def amara(ledger: Ledger) -> UUID:
    return careers_record(ledger)


@pytest.fixture
def bundle(ledger: Ledger, amara: UUID) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(exported(ledger, amara))
    return parsed


def test_the_bundle_holds_every_event_and_matches_the_published_schema(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(bundle)
    history = ledger.service.history(amara)
    assert [e["sequence"] for e in bundle["events"]] == [e.sequence for e in history.entries]
    assert [e["kind"] for e in bundle["events"]] == [e.kind for e in history.entries]
    assert bundle["events"][4]["data"]["changes"] == {"duration_minutes": 45}
    assert bundle["events"][6]["kind"] == "retraction"
    assert bundle["event_count"] == 8
    assert bundle["events"][3]["data"]["advice_given"].startswith("Explore the engineering")


def test_the_bundle_verifies_offline_with_only_the_public_key(
    ledger: Ledger, bundle: dict[str, Any]
) -> None:
    report = verify_bundle(bundle, ledger.evidence.public_key())
    assert report.ok, report.failures
    assert report.events == 8
    assert report.checkpoint is not None
    assert report.checkpoint.size == 8


def test_the_export_is_logged_and_the_access_log_travels_in_the_bundle(
    bundle: dict[str, Any],
) -> None:
    entries = bundle["access_log"]["entries"]
    assert entries[-1]["purpose"] == "export"
    assert entries[-1]["actor_id"] == ADVISER.id


def test_the_stored_bytes_in_the_bundle_are_exactly_those_at_rest(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    db = ledger.evidence.log.db
    with db.reading() as cursor:
        cursor.execute(
            db.sql(
                f"SELECT state FROM {db.events} WHERE originator_id = %s "
                "ORDER BY originator_version"
            ),
            (db.db_id(amara),),
        )
        at_rest = [bytes(row[0]) for row in cursor.fetchall()]
    assert [base64.b64decode(e["chain"]["stored_bytes"]) for e in bundle["events"]] == at_rest


def test_a_checkpoint_is_signed_when_the_latest_misses_the_students_events(
    ledger: Ledger, amara: UUID
) -> None:
    ledger.evidence.checkpoint()
    ledger.service.record(
        amara,
        "reflection",
        factories.PAYLOADS["reflection"](),
        actor=Actor("amara", Role.STUDENT, None, amara),
    )
    bundle = orjson.loads(exported(ledger, amara))
    assert bundle["event_count"] == 9
    assert len(ledger.evidence.checkpoints()) == 2
    assert [c["tree_size"] for c in bundle["consistency"]] == [8]
    assert verified(bundle, ledger) == []


# -- tampered bundles -----------------------------------------------------------


def test_a_changed_byte_of_content_fails_naming_the_sequence(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    bundle["events"][3]["data"]["advice_given"] = "Xxplore the engineering apprenticeship"
    assert verified(bundle, ledger) == [
        f"student {amara} sequence 4: the event's content does not match its commitment"
    ]


def test_a_changed_stored_byte_fails_the_chain_link(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    stored = bytearray(base64.b64decode(bundle["events"][2]["chain"]["stored_bytes"]))
    stored[-1] ^= 1
    bundle["events"][2]["chain"]["stored_bytes"] = base64.b64encode(bytes(stored)).decode()
    failures = verified(bundle, ledger)
    assert failures[0] == (
        f"student {amara} sequence 3: the stored bytes or metadata do not match the chain link"
    )


def test_a_removed_last_event_fails_against_the_signed_statement(
    ledger: Ledger, bundle: dict[str, Any]
) -> None:
    del bundle["events"][-1]
    assert any("events were removed or added" in f for f in verified(bundle, ledger))


def test_a_removed_middle_event_fails_naming_where(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    del bundle["events"][2]
    failures = verified(bundle, ledger)
    assert (
        f"student {amara} sequence 4: expected sequence 3 here: events are missing or "
        "reordered" in failures
    )


def test_reordered_events_fail(ledger: Ledger, amara: UUID, bundle: dict[str, Any]) -> None:
    events = bundle["events"]
    events[2], events[3] = events[3], events[2]
    failures = verified(bundle, ledger)
    assert any(f.startswith(f"student {amara} sequence 4: expected sequence 3") for f in failures)


def test_an_edited_event_with_a_recomputed_link_fails_its_inclusion_proof(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    # Recomputing the commitment and the whole chain is possible for a forger;
    # only the signed checkpoint tells: the new links are not in the tree.
    previous = chain.GENESIS
    bundle["events"][5]["data"]["provider_name"] = "A Different College"
    for entry in bundle["events"]:
        salt = base64.b64decode(entry["chain"]["salt"])
        commitment = chain.commitment(salt, chain.canonical(shapes.entry_document(entry)))
        link = chain.link(
            previous,
            student_id=str(amara),
            sequence=entry["sequence"],
            topic=entry["topic"],
            recorded_at=entry["recorded_at"],
            commitment_digest=commitment,
            stored_state=base64.b64decode(entry["chain"]["stored_bytes"]),
        )
        entry["chain"]["commitment"] = base64.b64encode(commitment).decode()
        entry["chain"]["link"] = base64.b64encode(link).decode()
        previous = link
    failures = verified(bundle, ledger)
    assert (
        f"student {amara} sequence 6: the event is not in the signed checkpoint "
        "(inclusion proof at log index 5 fails)" in failures
    )
    assert not any("sequence 5:" in f for f in failures)


def test_a_bad_checkpoint_signature_fails(ledger: Ledger, bundle: dict[str, Any]) -> None:
    lines = bundle["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    bundle["checkpoint"] = "\n".join(lines)
    assert any("the checkpoint is refused" in f for f in verified(bundle, ledger))


def test_a_bundle_from_another_log_fails_with_this_logs_key(bundle: dict[str, Any]) -> None:
    stranger = NoteSigner(bundle["origin"], bytes(range(32))).verifier.vkey
    failures = [str(f) for f in verify_bundle(bundle, stranger).failures]
    assert any("no signature by" in f for f in failures)


def test_a_changed_access_log_fails_against_the_statement(
    ledger: Ledger, bundle: dict[str, Any]
) -> None:
    bundle["access_log"]["entries"] = []
    assert any("access log differs" in f for f in verified(bundle, ledger))


# -- consistency with a checkpoint trusted earlier --------------------------------


def test_a_checkpoint_trusted_earlier_is_proved_to_be_a_prefix(ledger: Ledger, amara: UUID) -> None:
    earlier = ledger.evidence.checkpoint()
    leave(ledger, amara)
    bundle = orjson.loads(exported(ledger, amara))
    assert verified(bundle, ledger, earlier.note) == []


def test_a_bundle_older_than_the_trusted_checkpoint_is_a_rollback(
    ledger: Ledger, amara: UUID, bundle: dict[str, Any]
) -> None:
    leave(ledger, amara)
    later = ledger.evidence.checkpoint()
    assert any("rolled back" in f for f in verified(bundle, ledger, later.note))


def test_a_forked_log_fails_against_the_trusted_checkpoint(
    ledger: Ledger, bundle: dict[str, Any]
) -> None:
    size = Checkpoint.open(bundle["checkpoint"], ledger.evidence.verifier).size
    fork = Checkpoint.sign(ledger.evidence.signer, size, b"\x09" * 32)
    assert any("forked" in f for f in verified(bundle, ledger, fork.note))


def test_a_trusted_size_without_a_proof_asks_for_one_and_the_exporter_can_add_it(
    ledger: Ledger, amara: UUID
) -> None:
    ledger.evidence.checkpoint()
    leave(ledger, amara)
    trusted = Checkpoint.sign(ledger.evidence.signer, 5, ledger.evidence.log.root(5))
    plain = orjson.loads(exported(ledger, amara, consistency_limit=0))
    assert any("--consistency-from 5" in f for f in verified(plain, ledger, trusted.note))
    proved = orjson.loads(exported(ledger, amara, consistency_from=[5]))
    assert verified(proved, ledger, trusted.note) == []


# -- who may export ---------------------------------------------------------------


def test_auditors_may_not_export_and_other_schools_see_no_such_student(
    ledger: Ledger, amara: UUID
) -> None:
    with pytest.raises(Forbidden):
        exported(ledger, amara, actor=Actor("auditor-1", Role.AUDITOR, SCHOOL))
    with pytest.raises(StudentNotFound):
        exported(ledger, amara, actor=Actor("adviser-9", Role.ADVISER, "100002"))


def test_the_student_may_export_their_own_record(ledger: Ledger, amara: UUID) -> None:
    own = orjson.loads(exported(ledger, amara, actor=Actor("amara", Role.STUDENT, None, amara)))
    assert own["event_count"] == 8


# -- the command line ---------------------------------------------------------------


def test_export_then_verify_export_on_the_command_line(
    ledger: Ledger, amara: UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERS_LEDGER_DATABASE_URL", ledger.settings.database_url)
    monkeypatch.setenv("CAREERS_LEDGER_KEY_FILE", str(ledger.settings.key_file))
    runner = CliRunner()
    key = tmp_path / "log.vkey"
    key.write_text(runner.invoke(cli, ["checkpoint", "--public-key"]).stdout)
    trusted = tmp_path / "trusted.checkpoint"
    assert runner.invoke(cli, ["checkpoint", "--output", str(trusted)]).exit_code == 0
    out = tmp_path / "amara.json"
    result = runner.invoke(cli, ["export", str(amara), "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    check = ["verify-export", str(out), "--public-key", str(key)]
    ok = runner.invoke(cli, [*check, "--trusted-checkpoint", str(trusted)])
    assert ok.exit_code == 0, ok.output
    assert "8 events verify" in ok.stdout
    out.write_bytes(out.read_bytes().replace(b"Priya Shah", b"Priya Shaw"))
    tampered = runner.invoke(cli, check)
    assert tampered.exit_code == 1
    assert "sequence 4" in tampered.stdout
    assert "commitment" in tampered.stdout


def test_an_unknown_format_is_refused_naming_the_option(ledger: Ledger, amara: UUID) -> None:
    result = CliRunner().invoke(
        cli,
        ["export", str(amara), "--format", "xml"],
        env={"CAREERS_LEDGER_DATABASE_URL": ledger.settings.database_url},
    )
    assert result.exit_code == 2
    assert "--format" in result.output


def test_a_checkpoint_of_the_empty_log_is_not_carried_as_a_consistency_proof(
    ledger: Ledger,
) -> None:
    assert ledger.evidence.checkpoint().size == 0
    amara = careers_record(ledger)
    bundle = orjson.loads(exported(ledger, amara))
    jsonschema.Draft202012Validator(SCHEMA).validate(bundle)
    assert bundle["consistency"] == []
    assert verified(bundle, ledger) == []
