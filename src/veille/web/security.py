"""Passwords, API tokens, sessions, CSRF tokens, the login rate limit, and the ASGI
middleware that sets the security headers and refuses oversized bodies.

- Passwords: argon2id (argon2-cffi defaults). API tokens: ``vt_<id>_<secret>``, 32 random
  bytes of secret; the store keeps the SHA-256 of the whole token (a high-entropy secret
  needs no slow hash), so a stolen store gives no usable token.
- Sessions live in the server's memory (a restart logs everyone out): a random id in a
  ``Secure; HttpOnly; SameSite=Strict`` cookie, with the user, the role and the session's
  CSRF token. Every form and every HTMX request that changes something carries that token.
- The Content-Security-Policy allows scripts, styles, images and connections from the
  server itself only: no inline script or style, nothing from a CDN.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "veille_session"
LOGIN_CSRF_COOKIE = "veille_login_csrf"
LANG_COOKIE = "veille_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
SESSION_SECONDS = 12 * 3600
MAX_BODY = 64 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: Verified against when the user does not exist, so that a wrong name costs the same time.
DUMMY_HASH = _hasher.hash("veille-no-such-user")


def new_token() -> tuple[str, str, str]:
    """A new API token: (id, the token to give the user once, its hash to store)."""
    token_id = secrets.token_hex(4)
    token = f"vt_{token_id}_{secrets.token_urlsafe(32)}"
    return token_id, token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


@dataclass
class Session:
    id: str
    user: str
    role: str
    csrf: str
    expires: float


@dataclass
class Sessions:
    """The server's sessions, in memory."""

    lifetime: float = SESSION_SECONDS
    _items: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, user: str, role: str) -> Session:
        session = Session(
            secrets.token_urlsafe(32),
            user,
            role,
            secrets.token_urlsafe(32),
            time.monotonic() + self.lifetime,
        )
        with self._lock:
            self._items[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._items.get(session_id)
            if session is None:
                return None
            if session.expires < time.monotonic():
                del self._items[session_id]
                return None
            return session

    def drop(self, session_id: str | None) -> None:
        with self._lock:
            self._items.pop(session_id or "", None)

    def drop_user(self, user: str) -> None:
        with self._lock:
            for key in [k for k, s in self._items.items() if s.user == user]:
                del self._items[key]


@dataclass
class LoginLimiter:
    """At most ``attempts`` failed logins per ``window`` seconds per client address and per
    user name; a success does not reset the address's count."""

    attempts: int = 5
    window: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, *keys: str) -> int:
        """Seconds to wait before another attempt (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in keys:
                times = self._failures.get(key)
                if not times:
                    continue
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= self.attempts:
                    wait = max(wait, times[0] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)


class SecurityMiddleware:
    """Security headers on every response; bodies over ``max_body`` bytes refused (413),
    whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(send, 413, b"request body too large")
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _BodyTooLarge
            return message

        async def secured_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", []))
                names = {k.lower() for k, _ in raw}
                for key, value in _HEADERS:
                    if key not in names:
                        raw.append((key, value))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, limited_receive, secured_send)
        except _BodyTooLarge:
            if not started:
                await _plain(send, 413, b"request body too large")


class _BodyTooLarge(Exception):
    pass


_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
