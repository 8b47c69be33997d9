"""C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint).

A checkpoint is the text ``<origin>\\n<tree size>\\n<base64 root hash>\\n``
signed as a note: a blank line, then one line per signature,
``— <key name> <base64(4-byte key id || Ed25519 signature)>``.  The key id is
the first four bytes of SHA-256(key name || 0x0A || 0x01 || public key), and a
verifier key travels as ``<name>+<hex key id>+<base64(0x01 || public key)>``
(the "vkey" form).  Pure functions, no I/O: the offline verifier uses them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
DASH = "\u2014"
MAX_NOTE_BYTES = 1_000_000


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or not signed by the expected key."""


def _check_name(name: str, what: str) -> None:
    if not name or any(ch.isspace() for ch in name) or "+" in name:
        raise NoteError(f"the {what} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"the {what} is not valid base64") from None


@dataclass(frozen=True)
class NoteVerifier:
    """A named Ed25519 public key that checks signatures on notes."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
        name, hex_id, encoded = parts
        _check_name(name, "key name")
        raw = _b64decode(encoded, "verifier key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("the verifier key is not an Ed25519 key")
        verifier = cls(name, raw[1:])
        if hex_id.lower() != verifier.key_id.hex():
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier

    def verify(self, note: str) -> str:
        """The note's text if it carries a good signature by this key; else :class:`NoteError`.

        Signatures by other keys are ignored, as the signed-note spec requires.
        """
        text, signatures = split_note(note)
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        found = False
        for name, blob in signatures:
            if name != self.name or blob[:4] != self.key_id:
                continue
            found = True
            try:
                public.verify(blob[4:], text.encode())
            except InvalidSignature:
                raise NoteError(f"the signature by {self.name} does not verify") from None
        if not found:
            raise NoteError(f"the note carries no signature by {self.name}")
        return text


@dataclass(frozen=True)
class NoteSigner:
    """A named Ed25519 private key (a 32-byte seed) that signs notes."""

    name: str
    seed: bytes

    def __post_init__(self) -> None:
        _check_name(self.name, "key name")
        if len(self.seed) != 32:
            raise NoteError("an Ed25519 signing key is a 32-byte seed")

    @property
    def verifier(self) -> NoteVerifier:
        public = (
            Ed25519PrivateKey.from_private_bytes(self.seed)
            .public_key()
            .public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
        return NoteVerifier(self.name, public)

    def sign(self, text: str) -> str:
        if not text.endswith("\n"):
            raise NoteError("a note's text ends with a newline")
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{DASH} {self.name} {blob}\n"


def split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    """A note's text and its (key name, key id || signature) lines."""
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise NoteError("the note is too large")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line and signature lines")
    text, block = note[: cut + 1], note[cut + 2 :]
    signatures = []
    for line in block.removesuffix("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise NoteError("a signature line reads '\u2014 <name> <base64 signature>'")
        blob = _b64decode(parts[2], "signature")
        if len(blob) < 5:
            raise NoteError("a signature is too short")
        signatures.append((parts[1], blob))
    if not signatures:
        raise NoteError("the note carries no signature lines")
    return text, signatures


@dataclass(frozen=True)
class Checkpoint:
    """A signed tree head: the log named ``origin`` had ``size`` leaves with ``root``."""

    origin: str
    size: int
    root: bytes
    note: str

    @staticmethod
    def body(origin: str, size: int, root: bytes) -> str:
        _check_name(origin, "origin")
        return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"

    @classmethod
    def sign(cls, signer: NoteSigner, size: int, root: bytes) -> Checkpoint:
        return cls(signer.name, size, root, signer.sign(cls.body(signer.name, size, root)))

    @classmethod
    def open(cls, note: str, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
        """Verify the signature, then parse; the origin must be the expected one."""
        text = verifier.verify(note)
        lines = text.split("\n")[:-1]
        if len(lines) < 3:
            raise NoteError("a checkpoint has an origin, a tree size and a root hash line")
        found_origin, size_line, root_line = lines[:3]
        expected = origin if origin is not None else verifier.name
        if found_origin != expected:
            raise NoteError(f"the checkpoint's origin is not {expected}")
        if not re.fullmatch(r"0|[1-9][0-9]*", size_line):
            raise NoteError("the checkpoint's tree size is not a decimal number")
        root = _b64decode(root_line, "checkpoint root hash")
        if len(root) != 32:
            raise NoteError("the checkpoint's root hash is not 32 bytes")
        return cls(found_origin, int(size_line), root, note)
