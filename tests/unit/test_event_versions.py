"""Stored event versions: a changed payload is a new class_version with an upcaster.

``guidance_interview_not_taken`` v2 records the adviser's qualification level (BM8 2014
counts only an offer by a Level 6+ adviser, docs/projections.md); a v1 document stored
before it existed must still decode, with the level unknown.
"""

from __future__ import annotations

from uuid import uuid4

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from pydantic import ValidationError

from ledger.domain.events import GuidanceInterviewNotTaken
from ledger.domain.payloads import GuidanceInterviewNotHeld
from ledger.storage.crypto import envelope
from ledger.storage.mapper import LedgerMapper, OrjsonTranscoder

V1_DOCUMENT = {
    "timestamp": "2028-01-10T16:00:00+00:00",
    "occurred_on": "2028-01-10",
    "data": {"occurred_on": "2028-01-10", "outcome": "declined", "adviser_name": "Priya Shah"},
    "idempotency_key": None,
    "actor": "adviser-1",
    "institution_id": "100001",
    "provenance": None,
}


def _stored(document: dict[str, object]) -> StoredEvent:
    return StoredEvent(
        originator_id=uuid4(),
        originator_version=4,
        topic=GuidanceInterviewNotTaken.TOPIC,
        state=envelope.seal_clear(orjson.dumps(document)),
    )


def test_a_stored_v1_interview_not_taken_still_decodes_with_the_adviser_level_unknown() -> None:
    event = LedgerMapper(OrjsonTranscoder()).to_domain_event(_stored(V1_DOCUMENT))
    assert type(event) is GuidanceInterviewNotTaken
    assert event.data == {**V1_DOCUMENT["data"], "adviser_qualification_level": None}  # type: ignore[dict-item]
    assert GuidanceInterviewNotHeld.model_validate(event.data).adviser_qualification_level is None


def test_a_new_interview_not_taken_is_stored_as_version_2_and_reads_back_unchanged() -> None:
    assert GuidanceInterviewNotTaken.TOPIC == "careers-ledger/GuidanceInterviewNotTaken/v1"
    data = {**V1_DOCUMENT["data"], "adviser_qualification_level": 6}  # type: ignore[dict-item]
    document = {**V1_DOCUMENT, "data": data, "class_version": 2}
    event = LedgerMapper(OrjsonTranscoder()).to_domain_event(_stored(document))
    assert event.data == data
    assert LedgerMapper.document(event)["class_version"] == 2


@pytest.mark.parametrize("level", [1, 9, "six"])
def test_an_interview_not_taken_refuses_an_adviser_level_outside_2_to_8(level: object) -> None:
    with pytest.raises(ValidationError) as caught:
        GuidanceInterviewNotHeld.model_validate(
            {
                "occurred_on": "2028-01-10",
                "outcome": "declined",
                "adviser_qualification_level": level,
            }
        )
    assert [e["loc"] for e in caught.value.errors()] == [("adviser_qualification_level",)]
