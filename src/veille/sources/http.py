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
- gives up fast when nothing can be reached: a call that could not connect (no route, DNS
  failure, refused, connect timeout) is retried ``connect_retries`` times only; its host is
  then *down* for ``down_for`` seconds (calls to it fail at once, saying why); once
  ``offline_after`` distinct hosts could not be connected to with no answer from any, the
  network is taken as unreachable and every call fails at once for ``down_for`` seconds
  (an answer from any host ends that);
- honours a ``deadline`` (``limit_to(seconds)``: ``--max-seconds``): no call, wait or retry
  starts past it, and a call's timeout ends with it;
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
from httpx._client import UseClientDefault

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
        "http.host_down": (
            "{method} {url} : {host} injoignable ({reason}), pas de nouvel essai avant {seconds} s",
            "{method} {url}: {host} unreachable ({reason}); not tried again for {seconds} s",
        ),
        "http.offline": (
            "{method} {url} : réseau injoignable (aucune réponse de {hosts} hôtes : {reason})",
            "{method} {url}: network unreachable (no answer from {hosts} hosts: {reason})",
        ),
        "http.deadline": (
            "{method} {url} : temps imparti écoulé (--max-seconds), appel non fait",
            "{method} {url}: time limit reached (--max-seconds), call not made",
        ),
        "http.deadline_wait": (
            "{host} : prochain appel permis dans {seconds} s, après le temps imparti"
            " (--max-seconds)",
            "{host}: next call allowed in {seconds} s, past the time limit (--max-seconds)",
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
        unreachable: bool = False,
    ) -> None:
        super().__init__(redact(message), hint=redact(hint) if hint else None)
        #: True when nothing reached the server (network down, DNS, refused, time limit)
        self.unreachable = unreachable
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


#: Transport errors after which nothing reached the server: no route, DNS, refused, timeout.
CONNECT_ERRORS: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout)

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
    #: Retries of a call that could not connect (``max_retries`` is for the others).
    connect_retries: int = 1
    connect_timeout: float = 10.0
    #: Seconds a host that could not be connected to is not tried again.
    down_for: float = 60.0
    #: Distinct hosts that could not be connected to, with no answer from any, after which
    #: the network is taken as unreachable.
    offline_after: int = 3
    #: ``clock()`` time past which no call, wait or retry starts (``limit_to``).
    deadline: float | None = None

    def __post_init__(self) -> None:
        self.states: dict[str, RateLimitState] = {}
        self._lock = threading.Lock()
        self._down: dict[str, tuple[float, str]] = {}
        self._unanswered: dict[str, str] = {}
        self._offline_until = 0.0
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout, connect=min(self.connect_timeout, self.timeout)),
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

    def limit_to(self, seconds: float | None) -> None:
        """No call, wait or retry starts ``seconds`` from now (``None``: no limit)."""
        self.deadline = None if seconds is None else self.clock() + max(0.0, seconds)

    def _left(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def _reachable(self, method: str, host: str, url: str) -> None:
        """Fail at once for a host found down, or when the network is unreachable."""
        now = self.clock()
        left = self._left()
        if left is not None and left <= 0:
            raise HttpError(
                t("http.deadline", method=method, url=redact_url(url)), url=url, unreachable=True
            )
        with self._lock:
            down = self._down.get(host)
            offline = self._offline_until > now
            reasons = list(self._unanswered.values())
        if offline:
            raise HttpError(
                t(
                    "http.offline",
                    method=method,
                    url=redact_url(url),
                    hosts=len(reasons),
                    reason=reasons[-1] if reasons else "?",
                ),
                url=url,
                unreachable=True,
            )
        if down is not None and down[0] > now:
            raise HttpError(
                t(
                    "http.host_down",
                    method=method,
                    url=redact_url(url),
                    host=host,
                    reason=down[1],
                    seconds=round(down[0] - now),
                ),
                url=url,
                unreachable=True,
            )

    def _answered(self, host: str) -> None:
        with self._lock:
            self._down.pop(host, None)
            self._unanswered.clear()
            self._offline_until = 0.0

    def _unreachable(self, host: str, reason: str) -> None:
        now = self.clock()
        with self._lock:
            self._down[host] = (now + self.down_for, reason)
            self._unanswered[host] = reason
            if len(self._unanswered) >= max(1, self.offline_after):
                self._offline_until = now + self.down_for
                log.warning(
                    "network unreachable: no answer from %d hosts (%s); calls fail at once "
                    "for %.0f s",
                    len(self._unanswered),
                    reason,
                    self.down_for,
                )

    def backoff(self, attempt: int) -> float:
        """Delay before retry ``attempt`` (1-based): full jitter over an exponential cap."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(cap * (0.5 + 0.5 * self.rng()))

    def _wait_turn(self, st: RateLimitState) -> None:
        now = self.clock()
        wait = st.next_allowed_at - now
        if st.remaining is not None and st.remaining <= 0 and st.reset_at and st.reset_at > now:
            wait = max(wait, st.reset_at - now)
        left = self._left()
        if wait > self.max_wait:
            until = datetime.fromtimestamp(now + wait, UTC).isoformat(timespec="seconds")
            raise HttpError(t("http.rate_limited", host=st.host, until=until))
        if left is not None and wait > left:
            raise HttpError(
                t("http.deadline_wait", host=st.host, seconds=round(wait, 1)), unreachable=True
            )
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
            self._reachable(method, host, url)
            self._wait_turn(st)
            with self._lock:
                st.calls += 1
                st.last_call_at = self.clock()
            try:
                response = self._client.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    json=json,
                    data=data,
                    timeout=self._call_timeout(),
                )
            except httpx.TransportError as exc:
                reason = redact(f"{type(exc).__name__}: {exc}")
                connect = isinstance(exc, CONNECT_ERRORS)
                delay = self.backoff(attempts)
                left = self._left()
                if attempts > (self.connect_retries if connect else self.max_retries) or (
                    left is not None and delay >= left
                ):
                    if connect:
                        self._unreachable(host, reason)
                    raise HttpError(
                        t(
                            "http.gave_up",
                            method=method,
                            url=redact_url(url),
                            attempts=attempts,
                            reason=reason,
                        ),
                        url=url,
                        unreachable=connect,
                    ) from None
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
            self._answered(host)
            server_wait = self._update(st, response)
            status = response.status_code
            if status in RETRY_STATUSES and status not in ok:
                left = self._left()
                delay = server_wait if server_wait is not None else self.backoff(attempts)
                if attempts > self.max_retries or (left is not None and delay >= left):
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
                    with self._lock:
                        st.next_allowed_at = max(st.next_allowed_at, self.clock() + delay)
                log.warning(
                    "%s %s: HTTP %d; retry %d", method, redact_url(response.url), status, attempts
                )
                continue
            return response

    def _call_timeout(self) -> httpx.Timeout | UseClientDefault:
        """The client's timeouts, cut to what is left before the deadline."""
        left = self._left()
        if left is None:
            return httpx.USE_CLIENT_DEFAULT
        left = max(left, 0.1)
        return httpx.Timeout(
            min(self.timeout, left), connect=min(self.connect_timeout, self.timeout, left)
        )

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
