"""Making a day's digest end to end, for ``veille digest`` and for the scheduled job of
``veille run``: build it (``digest``), write its files (``digest_render``), mail it
(``mail``) and post it as a thread (``digest_publish``) where asked.

The scheduled job makes the digest of the day before, once, after ``[digest] run_at``
(local time of the workspace): the day's ``DATE.json`` marks it as done, so a restart does
not make it twice, and the publishing ledger keeps a retry from posting twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from veille.analytics.context import AnalyticsContext, duckdb_context
from veille.errors import UsageError
from veille.i18n import messages_in, register, t
from veille.reports.digest import Digest, build_digest
from veille.reports.digest_publish import ThreadPublisher, publish_digest, publisher_for
from veille.reports.digest_render import (
    _title,
    digest_stem,
    render_email_html,
    render_markdown,
    write_digest,
)

if TYPE_CHECKING:
    from veille.workspace import Workspace

log = logging.getLogger(__name__)

register(
    {
        "digest.no_email": (
            "--email : ajoutez une section [digest.email] (to, smtp_host...) à veille.toml",
            "--email: add a [digest.email] section (to, smtp_host...) to veille.toml",
        ),
        "digest.no_publish": (
            "--publish : ajoutez une section [digest.publish] (network, ...) à veille.toml",
            "--publish: add a [digest.publish] section (network, ...) to veille.toml",
        ),
    }
)

DIGESTS_DIR = "digests"


@dataclass
class DigestRun:
    digest: Digest
    written: dict[str, Path]
    emailed: bool = False
    published: list[dict[str, Any]] = field(default_factory=list)
    already_published: bool = False


def default_day(ctx: AnalyticsContext, now: datetime | None = None) -> date:
    """Yesterday (in the workspace's time zone) for a live workspace; the last day of data
    when collection stopped (an archive, the demo: the anchor is then the midnight UTC
    after the newest post)."""
    current = now or datetime.now(UTC)
    if ctx.anchor < current - timedelta(hours=1):
        return (ctx.anchor - timedelta(seconds=1)).astimezone(UTC).date()
    zone = ZoneInfo(ctx.config.workspace.timezone)
    return current.astimezone(zone).date() - timedelta(days=1)


def run_digest(
    ws: Workspace,
    day: date | None = None,
    *,
    cohort: str | None = None,
    lang: str | None = None,
    email: bool = False,
    publish: bool = False,
    publisher: ThreadPublisher | Callable[..., Any] | None = None,
    ctx: AnalyticsContext | None = None,
) -> DigestRun:
    """Build, write, and (when asked) mail and publish the digest of ``day``."""
    config = ws.config
    if email and config.digest.email is None:
        raise UsageError(t("digest.no_email"))
    if publish and config.digest.publish is None:
        raise UsageError(t("digest.no_publish"))
    language = lang or config.workspace.language
    ctx = ctx or duckdb_context(ws.store.con, config)
    with messages_in(language):
        target = day or default_day(ctx)
        digest = build_digest(ctx, target, cohort=cohort)
        out_dir = ws.data_dir / DIGESTS_DIR
        written = write_digest(digest, out_dir, language, config.workspace.name)
        result = DigestRun(digest, written)
        if not digest.published:
            return result
        data = digest.as_dict()
        title = _title(data, language)
        if email and config.digest.email is not None:
            from veille.reports.mail import send_email

            send_email(
                config.digest.email,
                title,
                render_markdown(data, language),
                render_email_html(data, language),
            )
            result.emailed = True
        if publish and config.digest.publish is not None:
            settings = config.digest.publish
            thread = publisher or publisher_for(settings, language)
            ledger = out_dir / f"{digest_stem(digest.day, digest.cohort)}.published.json"
            result.published, result.already_published = publish_digest(
                data, settings.network, ledger, title, thread
            )
    return result


class DigestJob:
    """The digest as a job of the run loop: call it after each cycle; it makes yesterday's
    digest once ``run_at`` has passed, and does nothing otherwise."""

    def __init__(self, ws: Workspace, now: Callable[[], datetime] | None = None) -> None:
        self.ws = ws
        self.now = now or (lambda: datetime.now(UTC))

    def due(self) -> date | None:
        cfg = self.ws.config
        local = self.now().astimezone(ZoneInfo(cfg.workspace.timezone))
        hour, minute = (int(x) for x in cfg.digest.run_at.split(":"))
        if local.time() < time(hour, minute):
            return None
        day = local.date() - timedelta(days=1)
        stem = digest_stem(day, cfg.digest.cohort)
        if (self.ws.data_dir / DIGESTS_DIR / f"{stem}.json").exists():
            return None
        return day

    def __call__(self) -> DigestRun | None:
        day = self.due()
        if day is None:
            return None
        cfg = self.ws.config.digest
        try:
            run = run_digest(
                self.ws, day, email=cfg.email is not None, publish=cfg.publish is not None
            )
        except Exception as exc:  # a failed digest never stops collection
            log.error("digest of %s failed: %s", day.isoformat(), exc)
            return None
        log.info("digest of %s: %s", day.isoformat(), run.digest.message or "written")
        return run
