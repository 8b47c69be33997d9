"""The stored envelope and the keyring on their own: pure, no database."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag

from ledger.storage.crypto import envelope
from ledger.storage.crypto.keyring import Keyring, KeyRow, KeyUnavailable, MasterKey
from ledger.storage.crypto.sealer import StudentSealer

RECORDED = datetime(2025, 1, 10, 9, 30, 15, 123456, tzinfo=UTC)
TOPIC = "careers-ledger/GuidanceInterviewRecorded/v1"


def _sealed(dek: bytes, key_id: bytes, student: str, sequence: int = 2) -> bytes:
    return envelope.seal(
        dek,
        key_id,
        RECORDED,
        student_id=student,
        sequence=sequence,
        topic=TOPIC,
        document=b'{"data":{"advice_given":"apprenticeship"}}',
    )


def test_a_sealed_document_opens_only_on_its_own_row() -> None:
    dek, key_id, student = os.urandom(32), os.urandom(16), str(uuid.uuid4())
    stored = _sealed(dek, key_id, student)
    assert b"apprenticeship" not in stored
    opened = envelope.open_sealed(dek, stored, student_id=student, sequence=2, topic=TOPIC)
    assert opened == b'{"data":{"advice_given":"apprenticeship"}}'
    for elsewhere in (
        {"student_id": str(uuid.uuid4()), "sequence": 2, "topic": TOPIC},
        {"student_id": student, "sequence": 3, "topic": TOPIC},
        {"student_id": student, "sequence": 2, "topic": "careers-ledger/StudentLeft/v1"},
    ):
        with pytest.raises(InvalidTag):
            envelope.open_sealed(dek, stored, **elsewhere)  # type: ignore[arg-type]


def test_the_header_names_the_key_and_the_recorded_time_and_is_itself_authenticated() -> None:
    dek, key_id, student = os.urandom(32), os.urandom(16), str(uuid.uuid4())
    stored = _sealed(dek, key_id, student)
    header = envelope.header_of(stored)
    assert (header.format, header.key_id, header.recorded_at) == (1, key_id, RECORDED)
    for position in (0, 1, 17, 24, len(stored) - 1):
        flipped = bytearray(stored)
        flipped[position] ^= 0x01
        with pytest.raises((InvalidTag, envelope.EnvelopeError)):
            envelope.open_sealed(dek, bytes(flipped), student_id=student, sequence=2, topic=TOPIC)


def test_unknown_formats_and_truncated_rows_are_refused() -> None:
    with pytest.raises(envelope.EnvelopeError):
        envelope.header_of(b"")
    with pytest.raises(envelope.EnvelopeError):
        envelope.header_of(b"\x07abc")
    with pytest.raises(envelope.EnvelopeError):
        envelope.header_of(b"\x01" + bytes(20))
    assert envelope.open_clear(envelope.seal_clear(b"{}")) == b"{}"


def test_a_wrapped_key_unwraps_only_under_its_master_key_and_for_its_student() -> None:
    master, other = MasterKey(os.urandom(32)), MasterKey(os.urandom(32))
    dek, key_id, student = os.urandom(32), os.urandom(16), str(uuid.uuid4())
    wrapped = master.wrap(student, key_id, dek)
    assert dek not in wrapped
    assert master.unwrap(student, key_id, wrapped) == dek
    with pytest.raises(InvalidTag):
        other.unwrap(student, key_id, wrapped)
    with pytest.raises(InvalidTag):
        master.unwrap(str(uuid.uuid4()), key_id, wrapped)
    assert master.kek_id != other.kek_id


class FakeKeyStore:
    def __init__(self) -> None:
        self.rows: dict[str, list[KeyRow]] = {}
        self.reads = 0

    def add(self, keyring: Keyring, student: UUID) -> bytes:
        key_id, dek, wrapped = keyring.new_key(student, "2025-01-10T09:00:00+00:00")
        self.rows[str(student)] = [
            KeyRow(
                str(student), key_id, wrapped.wrapped_dek, wrapped.kek_id, wrapped.created_at, None
            )
        ]
        return dek

    def shred(self, student: UUID) -> None:
        row = self.rows[str(student)][0]
        self.rows[str(student)] = [
            KeyRow(row.student_id, row.key_id, None, row.kek_id, row.created_at, "2036-01-01")
        ]

    def select_keys(self, student_id: UUID | str) -> list[KeyRow]:
        self.reads += 1
        return list(self.rows.get(str(student_id), []))

    def select_keys_of(self, student_ids: object) -> list[KeyRow]:
        self.reads += 1
        return [row for sid in student_ids for row in self.rows.get(str(sid), [])]  # type: ignore[attr-defined]


class Ticking:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_keyring_caches_keys_for_a_while_then_reads_the_key_table_again() -> None:
    clock = Ticking()
    keyring = Keyring(os.urandom(32), ttl_seconds=60, monotonic=clock)
    store = FakeKeyStore()
    keyring.store = store
    student = uuid.uuid4()
    dek = store.add(keyring, student)
    key_id = store.rows[str(student)][0].key_id
    keyring.forget(student)
    assert keyring.dek(student, key_id) == dek
    assert keyring.current(student) == (key_id, dek)
    assert store.reads == 1
    clock.now = 61
    store.shred(student)  # erased by another process
    assert keyring.dek(student, key_id) is None
    with pytest.raises(Exception, match="erased"):
        keyring.current(student)


def test_the_keyring_cache_is_bounded() -> None:
    keyring = Keyring(os.urandom(32), cache_size=3)
    store = FakeKeyStore()
    keyring.store = store
    students = [uuid.uuid4() for _ in range(5)]
    for student in students:
        store.add(keyring, student)
        keyring.current(student)
    assert store.reads == 5
    keyring.current(students[0])  # evicted: read again
    assert store.reads == 6
    keyring.current(students[-1])  # still cached
    assert store.reads == 6


def test_a_new_key_is_cached_only_when_its_save_completes() -> None:
    keyring = Keyring(os.urandom(32))
    keyring.store = FakeKeyStore()
    kept, lost = uuid.uuid4(), uuid.uuid4()
    with keyring.saving():
        key_id, dek, _ = keyring.new_key(kept, "2025-01-10T09:00:00+00:00")
        assert keyring.current(kept) == (key_id, dek)  # later events of the same save
    assert keyring.current(kept) == (key_id, dek)

    def losing_save() -> None:
        with keyring.saving():
            keyring.new_key(lost, "2025-01-10T09:00:00+00:00")
            raise RuntimeError("the save lost a race")

    with pytest.raises(RuntimeError):
        losing_save()
    with pytest.raises(KeyUnavailable):  # nothing cached, nothing stored
        keyring.current(lost)


def test_a_key_under_an_unknown_master_key_or_missing_is_a_fault_not_an_erasure() -> None:
    store = FakeKeyStore()
    writer = Keyring(os.urandom(32))
    writer.store = store
    student = uuid.uuid4()
    store.add(writer, student)
    key_id = store.rows[str(student)][0].key_id
    reader = Keyring(os.urandom(32))
    reader.store = store
    with pytest.raises(KeyUnavailable):
        reader.dek(student, key_id)
    with pytest.raises(KeyUnavailable):
        reader.dek(uuid.uuid4(), key_id)
    rotated = Keyring(os.urandom(32), previous_master_keys=[b"x" * 32])
    rotated.store = store
    with pytest.raises(KeyUnavailable):
        rotated.dek(student, key_id)


def test_warming_loads_a_cohorts_keys_in_one_read() -> None:
    keyring = Keyring(os.urandom(32))
    store = FakeKeyStore()
    keyring.store = store
    students = [uuid.uuid4() for _ in range(20)]
    deks = [store.add(keyring, s) for s in students]
    store.shred(students[0])
    for student in students:
        keyring.forget(student)
    store.reads = 0
    keyring.warm(students)
    assert store.reads == 1
    assert keyring.current(students[1])[1] == deks[1]
    assert keyring.dek(students[0], store.rows[str(students[0])][0].key_id) is None
    assert store.reads == 1


def _keyring_with_students(count: int) -> tuple[Keyring, FakeKeyStore, list[UUID]]:
    keyring = Keyring(os.urandom(32))
    store = FakeKeyStore()
    keyring.store = store
    students = [uuid.uuid4() for _ in range(count)]
    for student in students:
        store.add(keyring, student)
    return keyring, store, students


def test_sealed_read_side_values_open_only_for_their_student_and_row() -> None:
    keyring, store, (one, two) = _keyring_with_students(2)
    sealer = StudentSealer(keyring)
    sealed = sealer.seal(one, "proj_timeline/3", b"advice: apprenticeship")
    assert b"apprenticeship" not in sealed
    assert sealer.open(one, "proj_timeline/3", sealed) == b"advice: apprenticeship"
    with pytest.raises(InvalidTag):
        sealer.open(one, "proj_timeline/4", sealed)
    with pytest.raises((InvalidTag, KeyUnavailable)):
        sealer.open(two, "proj_timeline/3", sealed)
    store.shred(one)
    keyring.forget(one)
    assert sealer.open(one, "proj_timeline/3", sealed) is None


def test_a_batch_scoped_sealer_reads_the_key_store_once_and_interoperates() -> None:
    keyring, store, (one, two) = _keyring_with_students(2)
    sealer = StudentSealer(keyring)
    batch = sealer.scoped()
    sealed = [batch.seal(one, f"proj_facts/{n}", b"employer: canary") for n in range(50)]
    keyring.forget(one)  # the shared cache drops it; the batch keeps its own
    reads = store.reads
    assert {batch.open(one, f"proj_facts/{n}", s) for n, s in enumerate(sealed)} == {
        b"employer: canary"
    }
    assert store.reads == reads
    assert sealer.open(one, "proj_facts/7", sealed[7]) == b"employer: canary"
    spelled = batch.seal(one.hex, "proj_timeline/3", b"advice")  # the timeline's spelling
    assert sealer.open(str(one), "proj_timeline/3", spelled) == b"advice"
    with pytest.raises(InvalidTag):
        batch.open(one, "proj_facts/8", sealed[7])
    with pytest.raises((InvalidTag, KeyUnavailable)):
        batch.open(two, "proj_facts/7", sealed[7])
    store.shred(one)
    keyring.forget(one)
    assert sealer.scoped().open(one, "proj_facts/7", sealed[7]) is None


def test_a_replay_holds_every_students_key_and_the_usual_bound_returns_after() -> None:
    keyring = Keyring(os.urandom(32), cache_size=2)
    store = FakeKeyStore()
    keyring.store = store
    students = [uuid.uuid4() for _ in range(6)]
    for student in students:
        store.add(keyring, student)
    key_ids = {s: store.rows[str(s)][0].key_id for s in students}
    with keyring.holding(len(students)):
        for _ in range(3):  # a replay meets every student again and again
            for student in students:
                assert keyring.opening_cipher(student, key_ids[student]) is not None
        assert store.reads == len(students)
    reads = store.reads
    for student in students:
        keyring.opening_cipher(student, key_ids[student])
    assert store.reads > reads  # only two stay cached once the replay is over
