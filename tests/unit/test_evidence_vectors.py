"""docs/evidence-vectors.json against the byte layouts in docs/evidence.md.

Every vector is recomputed twice: from the layout as the document writes it,
spelled out here with nothing but hashlib (so an outside verifier can follow
it), and with the ledger's own functions. Both must give the file's bytes, so
the document, the vectors and the code cannot drift apart. The canonical JSON
tests pin where it differs from RFC 8785, because stored commitments depend on it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson
import pytest

from ledger.domain import chain, merkle
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.evidence.bundle import AccessDigest
from ledger.domain.evidence.leaf import event_leaf, leaf_data
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
VECTORS_FILE = ROOT / "docs" / "evidence-vectors.json"
VECTORS: dict[str, Any] = json.loads(VECTORS_FILE.read_text("utf-8"))
EVENTS: list[dict[str, Any]] = VECTORS["events"]


# -- the layout as docs/evidence.md writes it, with hashlib alone -----------------------
def sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def prefixed(text: str) -> bytes:
    """u32 big-endian byte length of the UTF-8 text, then the text."""
    raw = text.encode("utf-8")
    return u32(len(raw)) + raw


ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
ESCAPES["\r"] = "\\r"


def json_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in ESCAPES:
            out.append(ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def json_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        members = (json_string(k) + ":" + json_text(value[k]) for k in sorted(value))
        return "{" + ",".join(members) + "}"
    raise TypeError(f"no canonical JSON for {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """Sorted keys (by code point), no whitespace, raw UTF-8, minimal string escapes."""
    return json_text(value).encode("utf-8")


def commitment(salt: bytes, plaintext: bytes) -> bytes:
    return sha256(b"careers-ledger/commitment/v1\x00", salt, plaintext)


def chain_link(
    previous: bytes,
    student_id: str,
    sequence: int,
    topic: str,
    recorded_at: str,
    commitment_digest: bytes,
    stored: bytes,
) -> bytes:
    return sha256(
        b"careers-ledger/link/v1\x00",
        previous,
        prefixed(student_id),
        u64(sequence),
        prefixed(topic),
        prefixed(recorded_at),
        commitment_digest,
        sha256(stored),
    )


def log_leaf_data(student_id: str, sequence: int, link: bytes) -> bytes:
    return b"careers-ledger/log-leaf/v1\x00" + prefixed(student_id) + u64(sequence) + link


def tree_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes: split at the largest power of two below n."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01", tree_root(leaves[:k]), tree_root(leaves[k:]))


def h(value: str) -> bytes:
    return bytes.fromhex(value)


# -- the vectors, from the document's layout --------------------------------------------
def test_every_vector_recomputes_from_the_documented_layout() -> None:
    student = VECTORS["student_id"]
    assert student == str(UUID(student))  # canonical UUID text: lower case, hyphenated
    previous = bytes(32)
    leaves = []
    for sequence, event in enumerate(EVENTS, start=1):
        assert event["sequence"] == sequence
        assert event["document"]["timestamp"] == event["recorded_at"]
        salt = h(event["salt"])
        assert len(salt) == 16
        plaintext = canonical_json(event["document"])
        assert plaintext == h(event["plaintext_canonical_json"])
        preimage = b"careers-ledger/commitment/v1\x00" + salt + plaintext
        assert preimage == h(event["commitment_input"])
        digest = commitment(salt, plaintext)
        assert digest == h(event["commitment"])
        stored = h(event["stored_bytes"])
        assert sha256(stored) == h(event["stored_bytes_sha256"])
        assert h(event["previous_link"]) == previous
        link = chain_link(
            previous,
            student,
            sequence,
            event["topic"],
            event["recorded_at"],
            digest,
            stored,
        )
        assert link == h(event["link"])
        data = log_leaf_data(student, sequence, link)
        assert data == h(event["leaf_data"])
        leaf = sha256(b"\x00", data)
        assert leaf == h(event["leaf_hash"])
        assert event["log_index"] == len(leaves)
        leaves.append(leaf)
        previous = link
    tree = VECTORS["tree"]
    assert [h(x) for x in tree["leaf_hashes"]] == leaves
    assert [tree_root(leaves[:n]) for n in range(len(leaves) + 1)] == [
        h(x) for x in tree["roots_by_size"]
    ]
    assert tree_root(leaves) == h(tree["root"])


def test_the_stored_bytes_of_a_vector_are_the_clear_envelope_of_the_salted_plaintext() -> None:
    for event in EVENTS:
        plaintext, salt = h(event["plaintext_canonical_json"]), event["salt"]
        salted = plaintext[:-1] + b',"salt":"' + salt.encode() + b'"}'
        assert h(event["stored_bytes"]) == b"\x00" + salted
        assert json.loads(salted) == {**event["document"], "salt": salt}


def test_the_access_log_digest_recomputes_from_its_canonical_lines() -> None:
    access = VECTORS["access_log"]
    lines = b"".join(canonical_json(entry) + b"\n" for entry in access["entries"])
    assert lines == h(access["lines"])
    assert access["count"] == len(access["entries"])
    assert sha256(lines) == h(access["digest"])


# -- the same vectors, with the ledger's own functions ----------------------------------
def test_every_vector_recomputes_with_the_ledgers_own_functions() -> None:
    student = VECTORS["student_id"]
    previous = chain.GENESIS
    leaves = []
    for event in EVENTS:
        salt, sequence = h(event["salt"]), event["sequence"]
        plaintext = chain.canonical(event["document"])
        assert plaintext == h(event["plaintext_canonical_json"])
        digest = chain.commitment(salt, plaintext)
        assert digest == h(event["commitment"])
        assert b"\x00" + chain.salted(plaintext, salt) == h(event["stored_bytes"])
        link = chain.link(
            previous,
            student_id=student,
            sequence=sequence,
            topic=event["topic"],
            recorded_at=event["recorded_at"],
            commitment_digest=digest,
            stored_state=h(event["stored_bytes"]),
        )
        assert link == h(event["link"])
        assert leaf_data(UUID(student), sequence, link) == h(event["leaf_data"])
        leaves.append(event_leaf(student, sequence, link))
        assert leaves[-1] == h(event["leaf_hash"])
        previous = link
    assert merkle.root(leaves) == h(VECTORS["tree"]["root"])
    access = AccessDigest()
    for entry in VECTORS["access_log"]["entries"]:
        access.add(entry)
    assert access.digest() == h(VECTORS["access_log"]["digest"])


def test_the_vectors_file_is_what_its_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "evidence_vectors", ROOT / "docs/evidence_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.render() == VECTORS_FILE.read_text("utf-8"), (
        "docs/evidence-vectors.json is out of date: run python docs/evidence_vectors.py"
    )


# -- canonical JSON: the definition, and where it is not RFC 8785 -----------------------
@pytest.mark.parametrize("case", VECTORS["canonical_json"], ids=lambda c: c["case"])
def test_canonical_json_cases_match_the_definition_and_the_ledger(case: dict[str, Any]) -> None:
    value = json.loads(case["input"])
    assert canonical_json(value) == h(case["canonical"])
    assert chain.canonical(value) == h(case["canonical"])


def test_keys_sort_by_code_point_not_by_utf16_code_units_as_rfc_8785_does() -> None:
    ligature, emoji = "\ufb01", "\U0001f600"  # UTF-16: FB01 versus D83D DE00
    assert chain.canonical({emoji: 1, ligature: 2}).decode() == f'{{"{ligature}":2,"{emoji}":1}}'
    utf16_order = sorted([ligature, emoji], key=lambda k: k.encode("utf-16-be"))
    assert utf16_order == [emoji, ligature]  # what RFC 8785 would write first


def test_integers_are_exact_to_64_bits_where_rfc_8785_rounds_through_a_double() -> None:
    assert chain.canonical({"n": 2**53 + 1}) == b'{"n":9007199254740993}'
    assert chain.canonical({"n": 2**64 - 1}) == b'{"n":18446744073709551615}'
    assert chain.canonical({"n": -(2**63)}) == b'{"n":-9223372036854775808}'
    with pytest.raises(orjson.JSONEncodeError):
        chain.canonical({"n": 2**64})


def test_floats_are_not_rfc_8785_numbers_and_no_document_holds_one() -> None:
    assert chain.canonical({"x": 1.0}) == b'{"x":1.0}'  # RFC 8785: 1
    assert chain.canonical({"x": 1e20}) == b'{"x":1e+20}'  # RFC 8785: 100000000000000000000
    assert chain.canonical({"x": -0.0}) == b'{"x":-0.0}'  # RFC 8785: 0
    assert chain.canonical({"x": math.nan}) == b'{"x":null}'  # RFC 8785: an error


def holds_a_float(value: Any) -> bool:
    if isinstance(value, dict):
        return any(holds_a_float(v) for v in value.values())
    if isinstance(value, list):
        return any(holds_a_float(v) for v in value)
    return isinstance(value, float)


@pytest.mark.parametrize("kind", sorted(factories.PAYLOADS))
def test_no_stored_payload_holds_a_float_decimals_are_strings(kind: str) -> None:
    payload = EVENT_CLASSES[kind].PAYLOAD.model_validate(factories.PAYLOADS[kind]())
    data = payload.__pydantic_serializer__.to_python(payload, mode="json")  # as appends store it
    assert not holds_a_float(data)
    assert not any(holds_a_float(event["document"]) for event in EVENTS)


def test_a_decimal_quantity_given_as_a_number_is_stored_as_a_string() -> None:
    given = factories.workplace_experience(days=2.5, hours=12.5)
    payload = EVENT_CLASSES["workplace_experience"].PAYLOAD.model_validate(given)
    data = payload.__pydantic_serializer__.to_python(payload, mode="json")
    assert (data["days"], data["hours"]) == ("2.5", "12.5")


def test_text_that_is_not_unicode_scalar_values_is_refused() -> None:
    with pytest.raises(orjson.JSONEncodeError):
        chain.canonical({"x": "\ud800"})
    with pytest.raises(orjson.JSONEncodeError):
        chain.canonical({1: "a non-string key"})  # type: ignore[dict-item]
