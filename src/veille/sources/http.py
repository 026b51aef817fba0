"""The shared polite HTTP client of the live connectors (httpx underneath).

What it does for every call:

- waits, per host, until the next allowed call (``RateLimitState.next_allowed_at``), which
  comes from the last response's rate-limit headers: ``Retry-After`` on a 429 or 503
  (seconds or an HTTP date), Bluesky's ``ratelimit-limit/remaining/reset`` (reset in epoch
  seconds), Mastodon's ``X-RateLimit-Limit/Remaining/Reset`` (reset as an ISO date), and an
  optional minimum interval per host (pacing below the published limits);
- when few calls remain in the window, spreads them until the reset instead of bursting
  and then waiting;
- retries 429, 5xx and network errors with exponential backoff and full jitter, at most
  ``max_retries`` times, then raises ``HttpError``;
- sends ``User-Agent: veille/<version>``;
- never lets a secret out: ``Authorization`` headers, token-like query parameters
  (``access_token``, ``token``, ``password``...) and every value registered with
  ``register_secret`` are replaced by ``***`` in exception messages, in log records (a
  filter is installed on the ``veille``, ``httpx`` and ``httpcore`` loggers) and in what
  ``redact`` returns for raw items.

``sleep`` and ``clock`` are injectable, so tests run without waiting.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from veille import __version__
from veille.errors import VeilleError
from veille.i18n import register, t
from veille.secrets import redact, redact_url

USER_AGENT = f"veille/{__version__}"

register(
    {
        "http.gave_up": (
            "{method} {url} : abandon après {attempts} tentatives ({reason})",
            "{method} {url}: gave up after {attempts} attempts ({reason})",
        ),
        "http.status": (
            "{method} {url} : HTTP {status} {excerpt}",
            "{method} {url}: HTTP {status} {excerpt}",
        ),
        "http.rate_limited": (
            "{host} : limite de requêtes atteinte jusqu'à {until} ; réessayez ensuite",
            "{host}: rate limited until {until}; try again then",
        ),
        "http.bad_json": (
            "{url} : la réponse n'est pas du JSON valide ({error})",
            "{url}: the response is not valid JSON ({error})",
        ),
    }
)
log = logging.getLogger("veille.http")


class HttpError(VeilleError):
    """A call that failed for good. The message never holds a secret."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        url: str = "",
        body: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(redact(message), hint=redact(hint) if hint else None)
        self.status = status
        self.url = redact_url(url) if url else ""
        self.body = redact(body)


@dataclass
class RateLimitState:
    """What the client knows of one host's limits. Times are epoch seconds."""

    host: str
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    next_allowed_at: float = 0.0
    last_status: int | None = None
    retries: int = 0
    throttled: int = 0
    calls: int = 0
    last_call_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("reset_at", "next_allowed_at", "last_call_at"):
            value = data[key]
            data[key] = datetime.fromtimestamp(value, UTC).isoformat() if value else None
        return data


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _http_date(value)
    return None if when is None else max(0.0, when - now)


def parse_reset(value: str | None, now: float) -> float | None:
    """Epoch seconds of a rate-limit reset: epoch seconds (Bluesky), a delta in seconds
    (small numbers), an ISO 8601 date (Mastodon) or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if number > 1e12:  # milliseconds
            return number / 1000.0
        return number if number > 1e9 else now + max(0.0, number)
    from veille.model import parse_time

    parsed = parse_time(value)
    if parsed is not None:
        return parsed.timestamp()
    return _http_date(value)


def _http_date(value: str) -> float | None:
    """Epoch seconds of an HTTP date (``Wed, 21 Oct 2026 07:28:00 GMT``; UTC when it has
    no zone), or ``None``."""
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value.strip().split(",")[0].split(";")[0]))
    except ValueError:
        return None


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass
class PoliteClient:
    """Polite HTTP for one process. Thread-safe enough for one collector per thread: the
    per-host state is shared and guarded by a lock."""

    timeout: float = 30.0
    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 120.0
    #: Longest wait for a rate limit; beyond it the call fails with a clear error instead.
    max_wait: float = 900.0
    #: Minimum seconds between two calls to a host (``{"mastodon.social": 1.0}``);
    #: ``"*"`` applies to every host.
    min_interval: dict[str, float] = field(default_factory=dict)
    #: When at most this share of the window's calls remain, spread them until the reset.
    spread_below: float = 0.1
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    rng: Callable[[], float] = random.random
    transport: httpx.BaseTransport | None = None
    headers: dict[str, str] = field(default_factory=dict)
    follow_redirects: bool = True

    def __post_init__(self) -> None:
        self.states: dict[str, RateLimitState] = {}
        self._lock = threading.Lock()
        self._client = httpx.Client(
            timeout=self.timeout,
            headers={"User-Agent": USER_AGENT, **self.headers},
            transport=self.transport,
            follow_redirects=self.follow_redirects,
        )

    # -- lifecycle --------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state --------------------------------------------------------------------------

    def state(self, host: str) -> RateLimitState:
        with self._lock:
            if host not in self.states:
                self.states[host] = RateLimitState(host=host)
            return self.states[host]

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """The rate-limit state of every host seen, JSON-ready (for ``collector_state``)."""
        with self._lock:
            return {host: st.as_dict() for host, st in self.states.items()}

    def backoff(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (1-based): full jitter over an exponential cap."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(cap * (0.5 + 0.5 * self.rng()))

    def _wait_turn(self, st: RateLimitState) -> None:
        now = self.clock()
        wait = st.next_allowed_at - now
        if st.remaining is not None and st.remaining <= 0 and st.reset_at and st.reset_at > now:
            wait = max(wait, st.reset_at - now)
        if wait > self.max_wait:
            until = datetime.fromtimestamp(now + wait, UTC).isoformat(timespec="seconds")
            raise HttpError(t("http.rate_limited", host=st.host, until=until))
        if wait > 0:
            log.info("rate limit: waiting %.1f s before calling %s", wait, st.host)
            self.sleep(wait)

    def _interval(self, host: str) -> float:
        return self.min_interval.get(host, self.min_interval.get("*", 0.0))

    def _update(self, st: RateLimitState, response: httpx.Response) -> float | None:
        """Read the rate-limit headers; return the server-imposed wait, if any."""
        now = self.clock()
        h = response.headers
        limit = _int(h.get("ratelimit-limit") or h.get("x-ratelimit-limit"))
        remaining = _int(h.get("ratelimit-remaining") or h.get("x-ratelimit-remaining"))
        reset = parse_reset(h.get("ratelimit-reset") or h.get("x-ratelimit-reset"), now)
        with self._lock:
            st.last_status = response.status_code
            if limit is not None:
                st.limit = limit
            if remaining is not None:
                st.remaining = remaining
            if reset is not None:
                st.reset_at = reset
            nxt = now + self._interval(st.host)
            if (
                st.remaining is not None
                and st.limit
                and st.reset_at
                and st.reset_at > now
                and st.remaining <= max(1, int(st.limit * self.spread_below))
            ):
                nxt = max(nxt, now + (st.reset_at - now) / max(st.remaining, 1))
            server_wait: float | None = None
            if response.status_code in (429, 503):
                server_wait = parse_retry_after(h.get("retry-after"), now)
                if (
                    server_wait is None
                    and response.status_code == 429
                    and st.reset_at
                    and st.reset_at > now
                ):
                    server_wait = st.reset_at - now
                if server_wait is not None:
                    server_wait = min(server_wait, self.max_delay * 30)
                    nxt = max(nxt, now + server_wait)
                if response.status_code == 429:
                    st.throttled += 1
            st.next_allowed_at = max(st.next_allowed_at, nxt)
        return server_wait

    # -- calls ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        ok_statuses: Iterable[int] = (),
    ) -> httpx.Response:
        """One call with pacing and retries. Returns the response for any status that is
        not retried (2xx, 3xx, most 4xx); raises ``HttpError`` once retries are spent."""
        host = urlsplit(url).netloc
        st = self.state(host)
        attempts = 0
        ok = set(ok_statuses)
        while True:
            attempts += 1
            self._wait_turn(st)
            with self._lock:
                st.calls += 1
                st.last_call_at = self.clock()
            try:
                response = self._client.request(
                    method, url, params=params, headers=headers, json=json, data=data
                )
            except httpx.TransportError as exc:
                reason = redact(f"{type(exc).__name__}: {exc}")
                if attempts > self.max_retries:
                    raise HttpError(
                        t(
                            "http.gave_up",
                            method=method,
                            url=redact_url(url),
                            attempts=attempts,
                            reason=reason,
                        ),
                        url=url,
                    ) from None
                delay = self.backoff(attempts)
                with self._lock:
                    st.retries += 1
                log.warning(
                    "%s %s: %s; retry %d in %.1f s",
                    method,
                    redact_url(url),
                    reason,
                    attempts,
                    delay,
                )
                self.sleep(delay)
                continue
            server_wait = self._update(st, response)
            status = response.status_code
            if status in RETRY_STATUSES and status not in ok:
                if attempts > self.max_retries:
                    raise HttpError(
                        t(
                            "http.gave_up",
                            method=method,
                            url=redact_url(response.url),
                            attempts=attempts,
                            reason=f"HTTP {status}",
                        ),
                        status=status,
                        url=str(response.url),
                        body=_excerpt(response),
                    )
                with self._lock:
                    st.retries += 1
                if server_wait is None:
                    delay = self.backoff(attempts)
                    with self._lock:
                        st.next_allowed_at = max(st.next_allowed_at, self.clock() + delay)
                log.warning(
                    "%s %s: HTTP %d; retry %d", method, redact_url(response.url), status, attempts
                )
                continue
            return response

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET and decode JSON; a non-2xx status raises ``HttpError`` (redacted)."""
        response = self.request("GET", url, params=params, headers=headers)
        return json_of(response)

    def stream(self, method: str, url: str, **kw: Any) -> Any:
        """A streaming request (SSE): the caller handles reconnection. Paced, not retried."""
        host = urlsplit(url).netloc
        st = self.state(host)
        self._wait_turn(st)
        with self._lock:
            st.calls += 1
            st.last_call_at = self.clock()
        return self._client.stream(method, url, **kw)


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:
        return ""
    text = " ".join(text.split())
    return redact(text[:limit])


def raise_for_status(response: httpx.Response) -> None:
    """Raise a redacted ``HttpError`` for a non-2xx response."""
    if 200 <= response.status_code < 300:
        return
    raise HttpError(
        t(
            "http.status",
            method=response.request.method,
            url=redact_url(response.url),
            status=response.status_code,
            excerpt=_excerpt(response),
        ),
        status=response.status_code,
        url=str(response.url),
        body=_excerpt(response),
    )


def json_of(response: httpx.Response) -> Any:
    raise_for_status(response)
    try:
        return response.json()
    except (ValueError, RecursionError) as exc:  # RecursionError: nested ~1,000 levels deep
        raise HttpError(
            t("http.bad_json", url=redact_url(response.url), error=exc),
            status=response.status_code,
            url=str(response.url),
        ) from None


def host_of(url: str) -> str:
    return urlsplit(url).netloc
