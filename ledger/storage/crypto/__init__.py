"""Encryption at rest: per-student data keys under a master key (crypto-shredding).

``envelope`` is the stored byte format of one event; ``keyring`` creates,
wraps, finds and forgets the students' data keys.  Both are used only by the
storage mapper and recorders; domain code never sees a key.
"""

from ledger.storage.crypto.envelope import Header, header_of
from ledger.storage.crypto.keyring import (
    Keyring,
    KeyRow,
    KeyStore,
    KeyUnavailable,
    MasterKey,
    WrappedKey,
)

__all__ = [
    "Header",
    "KeyRow",
    "KeyStore",
    "KeyUnavailable",
    "Keyring",
    "MasterKey",
    "WrappedKey",
    "header_of",
]
