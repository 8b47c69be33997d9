"""Who is calling: credentials in, a :class:`ledger.domain.access.Actor` out.

Routes depend only on :class:`Authenticator`.  Today bearer tokens issued by
``careers-ledger users`` back it (:class:`~api.store.tokens.TokenStore`); an
OpenID Connect authenticator (verify the IdP's signed access token, map its
claims to role, institution and student) implements the same one method and is
passed to ``create_app`` instead, with no route touched.
"""

from __future__ import annotations

from typing import Protocol

from ledger.domain.access import Actor


class Authenticator(Protocol):
    def actor_for(self, credential: str) -> Actor | None:
        """The actor a bearer credential stands for, or None if it is not valid now."""
        ...
