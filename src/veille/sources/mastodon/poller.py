"""Mastodon, polled: the REST API for accounts, statuses, hashtags and threads
(``mastodon-live``, poll); the streaming API (``mastodon-stream``, stream) is
``veille.sources.mastodon.stream``.

Per instance (``[sources.mastodon] instances``; a token is optional and read from the
environment variable the config names, never from the toml itself):

- ``GET /api/v1/accounts/lookup?acct=`` (the account, its follower count as a snapshot
  every ``snapshot_hours``), ``GET /api/v1/accounts/:id/statuses`` paged back through the
  ``Link`` header (``max_id``) until ``since``, the newest status seen on the last run and at
  least ``refresh_days`` back; an account is read from its own instance;
- ``GET /api/v1/timelines/tag/:tag`` with ``since_id`` (the newest seen), paged by ``Link``;
  Mastodon has no historical hashtag *search*: a tag timeline only holds what the instance
  knows, from the time it federated;
- ``GET /api/v1/statuses/:id/context`` for the tracked accounts' statuses with replies;
- streaming (``/api/v1/streaming/public``, ``/hashtag?tag=``, ``/user`` with a token) as
  server-sent events: ``update`` and ``status.update`` map to posts, ``delete`` to a
  ``Tombstone``. The streaming API has no replay: the cursor keeps the newest status id per
  stream and a reconnection fills the gap from the REST timeline (``since_id``).

Limits: 300 requests per 5 minutes per account or IP (``X-RateLimit-*`` headers, honoured
by the polite client; by default one call per second per instance). An instance that
answers 401 or 422 wants a token: the error says which variable to set.

Raw items: ``{"instance", "endpoint", "params", "observed_at", "response"}`` where
``endpoint`` is ``accounts/lookup``, ``accounts/statuses``, ``timelines/tag``,
``timelines/public``, ``statuses/context`` or ``streaming/<stream>``; streaming items also
have ``"event"`` and, for a delete, ``"uri"`` (the status URI when it was seen; a delete
only carries the instance's local id). Mapped by ``veille.sources.mastodon.statuses.map_status`` and
``map_account``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, ClassVar, cast
from urllib.parse import quote

import httpx
from pydantic import BaseModel, Field

from veille.errors import UsageError
from veille.i18n import register, t
from veille.model import Record, Tombstone, parse_time, utcnow
from veille.secrets import register_secret
from veille.sources.base import (
    Connector,
    MappingError,
    RawItem,
    Reject,
    SourceContext,
    SourceFailure,
    excerpt,
    fetch_failure,
)
from veille.sources.http import HttpError, PoliteClient, host_of, json_of
from veille.sources.mastodon.settings import MastodonSettings
from veille.sources.polling import (
    due,
    load_state,
    newest_iso,
    read_back_to,
    response_payload,
)

log = logging.getLogger("veille.sources.mastodon")

register(
    {
        "masto.token_required": (
            "{instance} exige un jeton d'accès pour {what} ; définissez {env} (un jeton d'une "
            "application de l'instance, portée read).",
            "this instance requires an access token for {what} ({instance}); set {env} (a "
            "token of an application on that instance, scope read).",
        ),
        "masto.nothing_to_stream": (
            "rien à écouter sur Mastodon : ajoutez des instances et des hashtags dans "
            "[sources.mastodon]",
            "nothing to stream from Mastodon: add instances and hashtags to [sources.mastodon]",
        ),
        "masto.bad_account": (
            "compte Mastodon {acct!r} : attendu utilisateur@instance",
            "Mastodon account {acct!r}: expected user@instance",
        ),
    }
)


def token_env_for(url: str) -> str:
    """The default environment variable of an instance's token:
    ``https://mastodon.social`` -> ``VEILLE_MASTODON_SOCIAL_TOKEN``."""
    host = host_of(url).split(":")[0]
    return "VEILLE_" + re.sub(r"[^A-Z0-9]+", "_", host.upper()).strip("_") + "_TOKEN"


class Instance(BaseModel):
    url: str
    token_env: str | None = None
    streaming: bool = True
    streaming_url: str | None = Field(
        default=None, description="Streaming base URL when it differs (from /api/v2/instance)."
    )

    @property
    def base(self) -> str:
        return self.url.rstrip("/")

    def token(self) -> str | None:
        value = os.environ.get(self.token_env or token_env_for(self.url))
        if value:
            register_secret(value)
        return value or None

    def env_name(self) -> str:
        return self.token_env or token_env_for(self.url)


def instances_of(settings: MastodonSettings) -> list[Instance]:
    """The instances of ``[sources.mastodon]`` as the connectors' options take them."""
    return [
        Instance(url=i.url, token_env=i.token_env, streaming=i.streaming)
        for i in settings.instances
    ]


class MastodonOptions(BaseModel):
    instances: list[Instance] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list, description="user@instance")
    hashtags: list[str] = Field(default_factory=list)
    since: datetime | None = None
    initial_days: float = 30.0
    refresh_days: float = 3.0
    max_pages: int = Field(default=20, ge=1)
    page_size: int = Field(default=40, ge=1, le=40)
    context: bool = True
    max_contexts: int = Field(default=25, ge=0)
    snapshot_hours: float = 6.0
    min_interval: float = Field(default=1.0, description="Seconds between calls (300 / 5 min).")


def _split_acct(acct: str) -> tuple[str, str]:
    value = acct.strip().lstrip("@")
    if "@" not in value:
        raise UsageError(t("masto.bad_account", acct=acct))
    user, domain = value.split("@", 1)
    return user, domain


class _Api:
    """Calls to one instance, each returning the raw item and the decoded body."""

    def __init__(self, instance: Instance, client: PoliteClient, source: str) -> None:
        self.instance = instance
        self.client = client
        self.source = source
        self.token = instance.token()

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def call(
        self, endpoint: str, path: str, params: dict[str, Any] | None = None, url: str | None = None
    ) -> tuple[RawItem, Any, httpx.Response]:
        target = url or f"{self.instance.base}{path}"
        response = self.client.get(target, params=None if url else params, headers=self.headers())
        if response.status_code in (401, 403, 422) and not self.token:
            raise HttpError(
                t(
                    "masto.token_required",
                    instance=self.instance.base,
                    what=endpoint,
                    env=self.instance.env_name(),
                ),
                status=response.status_code,
                url=str(response.url),
            )
        body = json_of(response)
        observed = utcnow()
        effective = dict(httpx.URL(str(response.url)).params) if url else dict(params or {})
        raw = RawItem(
            source=self.source,
            origin=f"{host_of(target)} {endpoint}",
            received_at=observed,
            payload=response_payload(
                {
                    "instance": self.instance.base,
                    "endpoint": endpoint,
                    "params": effective,
                    "observed_at": observed.isoformat(),
                },
                response.content,
            ),
        )
        return raw, body, response


def _next_link(response: httpx.Response) -> str | None:
    link = response.links.get("next")
    return link.get("url") if link else None


class MastodonRest(Connector):
    """Accounts, their statuses and threads, and hashtag timelines, by REST."""

    id: ClassVar[str] = "mastodon-live"
    kind = "poll"
    network: ClassVar[str] = "mastodon"
    description: ClassVar[str] = "Mastodon REST: accounts, statuses, hashtags, threads"
    Options = MastodonOptions  # type: ignore[assignment]
    section: ClassVar[str | None] = "mastodon"
    Settings = MastodonSettings

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        settings = cast(MastodonSettings, context.settings)
        return settings.enabled and bool(
            context.tracked.get("mastodon") or (settings.instances and settings.hashtags)
        )

    @classmethod
    def from_config(cls, context: SourceContext) -> MastodonRest:
        settings = cast(MastodonSettings, context.settings)
        return cls(
            MastodonOptions(
                instances=instances_of(settings),
                accounts=sorted(context.tracked.get("mastodon", set())),
                hashtags=list(settings.hashtags),
                since=context.since,
                **context.extra,
            )
        )

    def __init__(
        self,
        options: BaseModel | None = None,
        *,
        client: PoliteClient | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(options)
        self.opts = MastodonOptions.model_validate(self.options.model_dump())
        self.client = client or PoliteClient(min_interval={"*": self.opts.min_interval})
        self.now = now
        self.state: dict[str, dict[str, str]] = {}
        self.cursor: str | None = None

    def _save(self) -> None:
        self.cursor = json.dumps(self.state, sort_keys=True)

    def instance_for(self, domain: str) -> Instance:
        for inst in self.opts.instances:
            if host_of(inst.url).lower() == domain.lower():
                return inst
        return Instance(url=f"https://{domain}")

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        self.state = load_state(cursor, log=log, source=self.id)
        self._save()
        for acct in self.opts.accounts:
            yield from self.fetch_account(acct)
        for inst in self.opts.instances:
            for tag in self.opts.hashtags:
                yield from self.fetch_tag(inst, tag)

    def fetch_account(self, acct: str, since: datetime | None = None) -> Iterator[RawItem | Reject]:
        try:
            user, domain = _split_acct(acct)
        except UsageError as exc:
            yield Reject(source=self.id, origin=acct, reason=exc.message)
            return
        api = _Api(self.instance_for(domain), self.client, self.id)
        key = f"{user}@{domain}".lower()
        state = dict(self.state.get(key, {}))
        now = self.now()
        try:
            raw, account, _ = api.call("accounts/lookup", "/api/v1/accounts/lookup", {"acct": user})
            if due(state.get("profile_at"), self.opts.snapshot_hours, now) or "id" not in state:
                yield raw  # the lookup carries the follower count: it is the snapshot
                state["profile_at"] = now.isoformat()
            account_id = str(account.get("id", ""))
            if not account_id:
                raise HttpError(f"{acct}: the lookup answer has no id")
            state["id"] = account_id
            newest = parse_time(state.get("newest"))
            stop_at = read_back_to(
                now,
                since or self.opts.since,
                newest,
                refresh_days=self.opts.refresh_days,
                initial_days=self.opts.initial_days,
            )
            found: datetime | None = None
            with_replies: list[str] = []
            url: str | None = None
            for _page in range(self.opts.max_pages):
                raw, statuses, response = api.call(
                    "accounts/statuses",
                    f"/api/v1/accounts/{quote(account_id)}/statuses",
                    {"limit": self.opts.page_size},
                    url=url,
                )
                yield raw
                if not isinstance(statuses, list) or not statuses:
                    break
                oldest: datetime | None = None
                for status in statuses:
                    if not isinstance(status, dict):
                        continue
                    when = parse_time(status.get("created_at"))
                    if when is None:
                        continue
                    if not status.get("pinned"):
                        oldest = when if oldest is None else min(oldest, when)
                    found = when if found is None else max(found, when)
                    if (
                        when >= stop_at
                        and not status.get("reblog")
                        and (status.get("replies_count") or 0) > 0
                        and status.get("id")
                    ):
                        with_replies.append(str(status["id"]))
                url = _next_link(response)
                if not url or (oldest is not None and oldest < stop_at):
                    break
            if self.opts.context:
                for status_id in with_replies[: self.opts.max_contexts]:
                    raw, _, _ = api.call(
                        "statuses/context", f"/api/v1/statuses/{quote(status_id)}/context"
                    )
                    yield raw
        except HttpError as exc:
            yield SourceFailure(
                source=self.id, origin=acct, reason=exc.message, item=excerpt(exc.body, 500)
            )
            return
        if found is not None:
            state["newest"] = newest_iso(found, state.get("newest"))
        self.state[key] = state
        self._save()

    def fetch_tag(
        self, inst: Instance, tag: str, since_id: str | None = None
    ) -> Iterator[RawItem | Reject]:
        tag = tag.lstrip("#")
        key = f"tag:{host_of(inst.url)}:{tag.lower()}"
        state = dict(self.state.get(key, {}))
        since_id = since_id or state.get("since_id")
        api = _Api(inst, self.client, self.id)
        params: dict[str, Any] = {"limit": self.opts.page_size}
        if since_id:
            params["since_id"] = since_id
        url: str | None = None
        newest: str | None = None
        try:
            for _page in range(self.opts.max_pages):
                raw, statuses, response = api.call(
                    "timelines/tag", f"/api/v1/timelines/tag/{quote(tag)}", params, url=url
                )
                yield raw
                if not isinstance(statuses, list) or not statuses:
                    break
                for status in statuses:
                    if isinstance(status, dict) and status.get("id"):
                        newest = _max_id(newest, str(status["id"]))
                url = _next_link(response)
                if not url:
                    break
                if since_id and "since_id" not in url:
                    url += ("&" if "?" in url else "?") + f"since_id={since_id}"
        except HttpError as exc:
            yield fetch_failure(self.id, f"{inst.base} #{tag}", exc)
            return
        if newest:
            state["since_id"] = _max_id(state.get("since_id"), newest) or newest
        self.state[key] = state
        self._save()

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return mastodon_records(raw, cls.id)


def _max_id(a: str | None, b: str | None) -> str | None:
    """The larger of two Mastodon ids (snowflake-like integers as strings)."""
    if not a:
        return b
    if not b:
        return a
    try:
        return a if int(a) >= int(b) else b
    except ValueError:
        return max(a, b)


def mastodon_records(raw: RawItem, source: str = "mastodon-live") -> list[Record]:
    """Records of a Mastodon raw item (REST call or streaming event)."""
    value = raw.value()
    if not isinstance(value, dict) or not isinstance(value.get("endpoint"), str):
        raise MappingError(
            f"{raw.origin}: a Mastodon item needs 'instance', 'endpoint' and 'response'"
        )
    from veille.sources.mastodon.statuses import map_account, map_status

    instance = str(value.get("instance") or "")
    observed = parse_time(value.get("observed_at")) or raw.received_at
    endpoint: str = value["endpoint"]
    body = value.get("response")
    out: list[Record] = []
    if endpoint.startswith("streaming/"):
        event = value.get("event")
        if event in ("update", "status.update"):
            if not isinstance(body, dict):
                raise MappingError(f"{raw.origin}: {event} event without a status object")
            return list(map_status(body, instance, observed, source=source))
        if event == "delete":
            uri = value.get("uri")
            if not isinstance(uri, str) or not uri:
                return []  # a status never seen here: nothing to delete
            return [Tombstone(key=uri, kind="post", network="mastodon", deleted_at=observed)]
        raise MappingError(f"{raw.origin}: unknown streaming event {event!r}")
    if endpoint == "accounts/lookup":
        if not isinstance(body, dict):
            raise MappingError(f"{raw.origin}: account lookup without an account object")
        return list(map_account(body, instance, observed))
    if endpoint in ("accounts/statuses", "timelines/tag", "timelines/public"):
        if not isinstance(body, list):
            raise MappingError(f"{raw.origin}: {endpoint} must be a list of statuses")
        for status in body:
            if isinstance(status, dict):
                out.extend(map_status(status, instance, observed, source=source))
        return out
    if endpoint == "statuses/context":
        if not isinstance(body, dict):
            raise MappingError(f"{raw.origin}: context must be an object")
        for part in ("ancestors", "descendants"):
            for status in body.get(part) or []:
                if isinstance(status, dict):
                    out.extend(map_status(status, instance, observed, source=source))
        return out
    raise MappingError(f"{raw.origin}: unknown endpoint {endpoint!r}")


# --- streaming ---------------------------------------------------------------------------


CONNECTORS: list[type[Connector]] = [MastodonRest]
