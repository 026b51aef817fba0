"""Secret scrubbing: no secret leaves veille. ``Authorization`` headers, token-like query
parameters (``access_token``, ``token``, ``password``...) and every value registered with
``register_secret`` are replaced by ``***`` in exception messages, in log records (a filter
is installed on the ``veille``, ``httpx`` and ``httpcore`` loggers) and in what ``redact``
returns for raw items.

This is not content erasure (tombstones purge deleted posts: ``veille.flow.erase``).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

MASK = "***"

#: Query parameters and JSON/form fields whose values are secrets.
SECRET_PARAM_NAMES = frozenset(
    {
        "access_token",
        "token",
        "password",
        "app_password",
        "apppassword",
        "accessjwt",
        "refreshjwt",
        "client_secret",
        "api_key",
        "apikey",
        "secret",
        "authorization",
    }
)
SECRET_HEADER_NAMES = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_SECRET_RE: re.Pattern[str] | None = None

_AUTH_RE = re.compile(
    r"(?i)\b(authorization|proxy-authorization)(['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n,}]+)"
)
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{4,}")
_PARAM_RE = re.compile(
    r"(?i)([?&;]|\b)("
    + "|".join(sorted(SECRET_PARAM_NAMES, key=len, reverse=True))
    + r")=([^&#\s'\"]+)"
)
_JSON_FIELD_RE = re.compile(
    r"(?i)(['\"](?:"
    + "|".join(sorted(SECRET_PARAM_NAMES, key=len, reverse=True))
    + r")['\"]\s*:\s*['\"])([^'\"]*)(['\"])"
)


def register_secret(value: str | None) -> None:
    """Remember a secret value (token, app password, session JWT) so that ``redact`` masks
    it wherever it appears. Values shorter than 4 characters are ignored (too common)."""
    global _SECRET_RE
    if not value or len(value) < 4:
        return
    with _SECRETS_LOCK:
        if value in _SECRETS:
            return
        _SECRETS.add(value)
        ordered = sorted(_SECRETS, key=len, reverse=True)
        _SECRET_RE = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """``text`` with every known secret, ``Authorization`` value, bearer token and
    token-like query parameter or JSON field replaced by ``***``."""
    if not text:
        return text
    pattern = _SECRET_RE
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _AUTH_RE.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + " " + MASK, text)
    text = _PARAM_RE.sub(lambda m: m.group(1) + m.group(2) + "=" + MASK, text)
    text = _JSON_FIELD_RE.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    return text


def redact_url(url: str | httpx.URL) -> str:
    """A URL with token-like query parameters and user:password masked."""
    parts = urlsplit(str(url))
    query = urlencode(
        [
            (k, MASK if k.lower() in SECRET_PARAM_NAMES else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        k: (MASK if k.lower() in SECRET_HEADER_NAMES else redact(v)) for k, v in headers.items()
    }


class RedactingFilter(logging.Filter):
    """Masks secrets in every log record that passes through (message and arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record, masked as is
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


_FILTER = RedactingFilter()


#: Loggers that may see URLs or headers. A logger's filters only apply to records logged on
#: that very logger (not on its children), so each one is named.
REDACTED_LOGGERS = (
    "veille",
    "veille.http",
    "veille.collect",
    "veille.sources.bluesky",
    "veille.sources.mastodon",
    "veille.sources.rss",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "websockets",
    "websockets.client",
    "websockets.server",
)


def install_log_redaction(names: Iterable[str] = REDACTED_LOGGERS) -> None:
    """Install the redacting filter on these loggers and on every handler of the root
    logger (call it again after configuring logging: new handlers get it too)."""
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


install_log_redaction()
