"""The pages' session: a sealed, HttpOnly, SameSite=Strict cookie, and its CSRF token.

The cookie holds the bearer token the person pasted, the id of their
server-side session (:mod:`api.store.sessions`) and a random CSRF token,
encrypted and authenticated with Fernet (AES-CBC + HMAC-SHA256, timestamped)
under a key derived from the deployment's session key.  On every request the
session must still be live on the server (signing out or revoking the user ends
it, so a copied cookie opens nothing afterwards) and the token is resolved
through the app's :class:`~api.store.auth.Authenticator`; both the cookie and
the server's row expire after :data:`MAX_AGE` seconds.  Every visitor gets a
CSRF token before signing in, so the sign-in form is protected too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import orjson
from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "careers_ledger_session"
MAX_AGE = 8 * 60 * 60  # a school day
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Session:
    csrf: str
    token: str | None = None
    sid: str | None = None  # the server-side session's id (api.store.sessions)
    fresh: bool = False  # not yet sent to the browser

    @classmethod
    def new(cls) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), fresh=True)

    def signed_in(self, token: str, sid: str) -> Session:
        """A new session for the signed-in person: a new CSRF token (no fixation)."""
        return Session(csrf=secrets.token_urlsafe(32), token=token, sid=sid, fresh=True)

    def csrf_matches(self, sent: str | None) -> bool:
        return sent is not None and hmac.compare_digest(sent.encode(), self.csrf.encode())


class SessionCodec:
    """Seals sessions into cookie values and opens them again."""

    def __init__(self, key: bytes, *, secure: bool) -> None:
        derived = hmac.new(key, b"careers-ledger/pages-cookie/fernet", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))
        self.secure = secure

    def seal(self, session: Session) -> str:
        body = orjson.dumps({"c": session.csrf, "t": session.token, "s": session.sid})
        return self._fernet.encrypt(body).decode("ascii")

    def open(self, value: str | None) -> Session | None:
        if not value or len(value) > 4096:
            return None
        try:
            body = orjson.loads(self._fernet.decrypt(value.encode("ascii"), ttl=MAX_AGE))
        except (InvalidToken, UnicodeEncodeError, orjson.JSONDecodeError):
            return None
        csrf, token, sid = body.get("c"), body.get("t"), body.get("s")
        if not isinstance(csrf, str) or not all(
            v is None or isinstance(v, str) for v in (token, sid)
        ):
            return None
        return Session(csrf=csrf, token=token, sid=sid)

    def read(self, request: Request) -> Session:
        """This request's session (cached on the request), a fresh one when none is valid."""
        cached = getattr(request.state, "page_session", None)
        if isinstance(cached, Session):
            return cached
        session = self.open(request.cookies.get(COOKIE)) or Session.new()
        request.state.page_session = session
        return session

    def write(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.seal(session),
            max_age=MAX_AGE,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.secure,
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="strict", secure=self.secure
        )
