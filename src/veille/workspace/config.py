"""``veille.toml``: the registry (leaders, organisations, watches, objectives), stakeholder
lexicons and source settings, validated with pydantic.

Every error names the file, the line and the field, and says what is expected, e.g.::

    veille.toml:14: leaders[2].accounts: unknown network 'facebok' (expected one of ...)
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from veille.errors import ConfigError
from veille.model import EXTENSIBLE_STAKEHOLDER_CLASSES, NETWORKS
from veille.workspace.alerts_config import AlertsSection, alert_references

SLUG = r"^[a-z0-9][a-z0-9_-]*$"

S = TypeVar("S", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _accounts(value: Any) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(
            "expected a table of network = [accounts], e.g. { bluesky = ['x.bsky.social'] }"
        )
    out: dict[str, list[str]] = {}
    for network, accounts in value.items():
        if network not in NETWORKS:
            raise ValueError(f"unknown network {network!r} (expected one of {', '.join(NETWORKS)})")
        if isinstance(accounts, str):
            accounts = [accounts]
        if not isinstance(accounts, list) or not all(isinstance(a, str) and a for a in accounts):
            raise ValueError(f"{network}: expected an account name or a list of account names")
        out[network] = [a.strip().lstrip("@") if network != "web" else a.strip() for a in accounts]
    return out


class WorkspaceSection(_Model):
    name: str = "veille"
    language: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"
    retention_days: int = Field(default=0, ge=0)
    #: where the dashboard is reachable (``https://veille.example.org``): alerts link to it
    public_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (expected e.g. 'Europe/Paris')") from exc
        return value


class Organisation(_Model):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: Literal["own", "competitor", "partner", "media", "other"] = "other"
    sector: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    domains: list[str] = []
    competitors: list[str] = []
    aliases: list[str] = []
    accounts: dict[str, list[str]] = {}

    _check_accounts = field_validator("accounts", mode="before")(_accounts)


class Leader(_Model):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    role: str | None = None
    organisation: str | None = None
    sector: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    cohorts: list[str] = []
    aliases: list[str] = []
    accounts: dict[str, list[str]] = {}

    _check_accounts = field_validator("accounts", mode="before")(_accounts)


class Watch(_Model):
    id: str = Field(pattern=SLUG)
    name: str | None = None
    query: str = Field(min_length=1)
    alert: bool = False

    @field_validator("query")
    @classmethod
    def _parses(cls, value: str) -> str:
        """A watch that does not parse would match nothing without a word: it is an error
        of the file, with the query language's caret message."""
        from veille.query.parser import QuerySyntaxError, parse

        try:
            parse(value)
        except QuerySyntaxError as exc:
            raise ValueError(exc.message) from None
        return value


#: The metrics an objective can target (``veille.analytics.objectives`` measures each).
OBJECTIVE_METRICS: tuple[str, ...] = (
    "followers",
    "engagement_rate",
    "responsiveness",
    "net_sentiment",
    "share_of_voice",
    "journalist_mentions",
    "information_lead_time",
)


class Objective(_Model):
    id: str = Field(pattern=SLUG)
    leader: str | None = None
    organisation: str | None = None
    dimension: Literal["influence", "image", "information", "recruitment", "speed"]
    metric: str
    network: str | None = None
    target: float
    baseline: float | None = None
    deadline: date

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in OBJECTIVE_METRICS:
            raise ValueError(
                f"unknown metric {value!r} (expected one of {', '.join(OBJECTIVE_METRICS)})"
            )
        return value

    @field_validator("network")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        if value is not None and value not in NETWORKS:
            raise ValueError(f"unknown network {value!r} (expected one of {', '.join(NETWORKS)})")
        return value


#: Leader Index components, in display order, with DESIGN.md's default weights (growth
#: is shown and ranked but weighs nothing unless ``[index.weights]`` gives it a weight).
INDEX_COMPONENTS: tuple[str, ...] = (
    "reach",
    "growth",
    "engagement",
    "amplification",
    "conversation",
    "centrality",
    "sentiment",
)
DEFAULT_INDEX_WEIGHTS: dict[str, float] = {
    "reach": 0.15,
    "growth": 0.0,
    "engagement": 0.20,
    "amplification": 0.10,
    "conversation": 0.25,
    "centrality": 0.20,
    "sentiment": 0.10,
}
EDGE_KINDS: tuple[str, ...] = ("reply", "quote", "repost", "mention")


def _weights(value: Any, known: Sequence[str], what: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table of {what} = weight")
    out: dict[str, float] = {}
    for key, weight in value.items():
        if key not in known:
            raise ValueError(f"unknown {what} {key!r} (expected one of {', '.join(known)})")
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise ValueError(f"{key}: expected a number, got {weight!r}")
        if not 0 <= weight <= 100:
            raise ValueError(f"{key}: weight {weight} is out of range (0 to 100)")
        out[key] = float(weight)
    return out


class IndexSection(_Model):
    """``[index]``: the Leader Index and the leader analytics (DESIGN.md definitions)."""

    #: default period of ``veille rank`` and ``veille leader`` (``28d``, ``12w``...)
    period: str = "28d"
    #: component weights; missing ones keep their default
    weights: dict[str, float] = {}
    #: posts (originals, replies) a leader must write in the period to be ranked
    min_posts: int = Field(default=3, ge=1, le=10_000)
    #: an answer counts within this many hours of the mention (responsiveness)
    response_hours: float = Field(default=48.0, gt=0, le=24 * 90)
    #: conversation quality = this share of responsiveness + the rest of dialogue ratio
    responsiveness_share: float = Field(default=0.5, ge=0, le=1)
    #: representative sentiment: each author counts at most this many posts
    sentiment_cap: int = Field(default=3, ge=1, le=1000)
    #: labelled posts about a leader needed for a sentiment figure
    min_sentiment_posts: int = Field(default=5, ge=1, le=100_000)
    #: loud minority: the top ``loud_top_share`` of authors write over ``loud_negative_share``
    #: of the negative posts
    loud_top_share: float = Field(default=0.01, gt=0, lt=1)
    loud_negative_share: float = Field(default=0.30, gt=0, lt=1)
    #: interaction edge weights for centrality (DESIGN.md: reply 1, quote 1, repost 1,
    #: mention 0.5)
    edge_weights: dict[str, float] = {}
    #: periods of history in the leader profile (this one included)
    history: int = Field(default=4, ge=1, le=52)

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if not re.match(r"^\s*[1-9]\d*\s*[hdwm]\s*$", value):
            raise ValueError(f"{value!r} is not a period length (e.g. 28d, 12w, 24h, 3m)")
        return value.strip()

    @field_validator("weights", mode="before")
    @classmethod
    def _component_weights(cls, value: Any) -> dict[str, float]:
        weights = _weights(value, INDEX_COMPONENTS, "component")
        merged = {**DEFAULT_INDEX_WEIGHTS, **weights}
        if sum(merged.values()) <= 0:
            raise ValueError("at least one component needs a positive weight")
        return weights

    @field_validator("edge_weights", mode="before")
    @classmethod
    def _edge_weights(cls, value: Any) -> dict[str, float]:
        return _weights(value, EDGE_KINDS, "interaction kind")

    def component_weights(self) -> dict[str, float]:
        return {**DEFAULT_INDEX_WEIGHTS, **self.weights}


RISK_CATEGORIES = ("insults", "confidential", "market", "absolute")


class CheckSection(_Model):
    """``[check]``: the pre-publication check. ``risk_terms`` adds terms to the shipped
    FR/EN lexicons (``veille/reports/risk_terms.toml``), by category."""

    risk_terms: dict[str, list[str]] = {}

    @field_validator("risk_terms")
    @classmethod
    def _categories(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, terms in value.items():
            if key not in RISK_CATEGORIES:
                raise ValueError(
                    f"{key}: unknown risk category (expected one of {', '.join(RISK_CATEGORIES)})"
                )
            if not all(term.strip() for term in terms):
                raise ValueError(f"{key}: empty term")
        return value


class DigestEmail(_Model):
    """``[digest.email]``: where the daily digest is mailed (SMTP)."""

    to: list[str] = Field(min_length=1)
    sender: str = "veille@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None


class DigestPublish(_Model):
    """``[digest.publish]``: the optional thread on Bluesky or Mastodon."""

    network: Literal["bluesky", "mastodon"]
    handle: str | None = None  # Bluesky
    password_env: str | None = None  # Bluesky app password
    pds_url: str = "https://bsky.social"
    instance_url: str | None = None  # Mastodon
    token_env: str | None = None  # Mastodon


class DigestSection(_Model):
    """``[digest]``: the daily digest of the leaders' best posts (DESIGN.md digest score)."""

    cohort: str | None = None
    size: int = Field(default=10, ge=1, le=50)
    min_posts: int = Field(default=3, ge=1)
    per_leader: int = Field(default=2, ge=1)
    age_hours: float = Field(default=24.0, gt=0)
    baseline_days: int = Field(default=90, ge=7)
    min_baseline_posts: int = Field(default=5, ge=2)
    repliers_weight: float = Field(default=1.0, ge=0)
    mmr_lambda: float = Field(default=0.7, ge=0, le=1)
    run_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    email: DigestEmail | None = None
    publish: DigestPublish | None = None


#: Stakeholder classes (``enrichments`` stage ``stakeholders``) and their default weight in
#: a burst: peers, journalists and the leader's own ecosystem weigh more than unknown
#: accounts, bots less (DESIGN.md, "Burst score"; issue 12).
DEFAULT_SIGNAL_WEIGHTS: dict[str, float] = {
    "peer_leader": 3.0,
    "journalist": 3.0,
    "self": 2.0,
    "employee": 2.0,
    "investor": 2.0,
    "public_sector": 2.0,
    "competitor": 2.0,
    "customer": 1.0,
    "public": 1.0,
    "unknown": 1.0,
    "bot": 0.25,
    "troll": 0.25,
}


class SignalsSection(_Model):
    """``[signals]``: bursts, stories and the detection pass (issue 12)."""

    #: the time bucket of the burst detector, in minutes
    bucket_minutes: int = Field(default=15, ge=1, le=24 * 60)
    #: a bucket closes when this many minutes have passed since its end (late posts)
    grace_minutes: float = Field(default=5.0, ge=0, le=24 * 60)
    #: the windows, in buckets, over which distinct authors are counted (each bucket is
    #: scored over the trailing window; 1 = the bucket alone)
    windows: list[int] = [1, 4, 16]
    #: -log10 of the Poisson tail that starts a burst, and that keeps it going
    threshold: float = Field(default=3.5, gt=0, le=100)
    threshold_off: float = Field(default=2.0, gt=0, le=100)
    #: distinct authors a burst needs at least
    min_authors: int = Field(default=4, ge=1, le=100_000)
    #: the least baseline, in distinct authors per window
    floor: float = Field(default=0.5, gt=0, le=10_000)
    #: EWMA smoothing per bucket
    alpha: float = Field(default=0.02, gt=0, lt=1)
    #: buckets below ``threshold_off`` before a burst ends
    cooldown: int = Field(default=4, ge=1, le=10_000)
    #: weight of an author by stakeholder class (missing classes keep their default)
    weights: dict[str, float] = {}
    #: mean author weight a new burst needs (bots and trolls alone do not start one)
    min_mean_weight: float = Field(default=0.5, ge=0, le=100)
    #: capitalised n-grams (2 to this many words) as terms; 0 turns them off
    ngram_max: int = Field(default=3, ge=0, le=5)
    #: stories: MinHash LSH similarity threshold (Jaccard of word shingles)
    story_similarity: float = Field(default=0.3, gt=0, lt=1)
    #: posts a story needs at least, and distinct authors
    story_min_posts: int = Field(default=5, ge=1)
    story_min_authors: int = Field(default=4, ge=1)
    #: a story whose rumour score reaches this is also reported as a rumour (unset: the
    #: rumour score's own threshold, ``veille.signals.rumour.STORY_RUMOUR_THRESHOLD``)
    rumour_threshold: float | None = Field(default=None, ge=0, le=1)
    #: the news feeds (web account ids, i.e. feed URLs) that the information lead time is
    #: measured against; unset: the web feeds of the organisations of kind "media"
    reference_feeds: list[str] | None = None

    @field_validator("weights", mode="before")
    @classmethod
    def _class_weights(cls, value: Any) -> dict[str, float]:
        if not isinstance(value, dict):
            raise ValueError("expected a table of stakeholder class = weight")
        out: dict[str, float] = {}
        for key, weight in value.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float):
                raise ValueError(f"{key}: expected a number, got {weight!r}")
            if not 0 <= weight <= 100:
                raise ValueError(f"{key}: weight {weight} is out of range (0 to 100)")
            out[str(key)] = float(weight)
        return out

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: list[int]) -> list[int]:
        if not value or any(w < 1 or w > 96 for w in value):
            raise ValueError("expected a list of window lengths in buckets, each 1 to 96")
        return sorted(set(value))

    def class_weights(self) -> dict[str, float]:
        return {**DEFAULT_SIGNAL_WEIGHTS, **self.weights}


class VeilleConfig(_Model):
    workspace: WorkspaceSection = WorkspaceSection()
    organisations: list[Organisation] = []
    leaders: list[Leader] = []
    watches: list[Watch] = []
    objectives: list[Objective] = []
    stakeholders: dict[str, list[str] | float] = {}
    index: IndexSection = IndexSection()

    @field_validator("stakeholders")
    @classmethod
    def _lexicons(cls, value: dict[str, list[str] | float]) -> dict[str, list[str] | float]:
        for key, terms in value.items():
            if key == "bot_posts_per_day":
                if not isinstance(terms, float | int) or terms <= 0:
                    raise ValueError("bot_posts_per_day: expected a positive number")
            elif key not in EXTENSIBLE_STAKEHOLDER_CLASSES:
                raise ValueError(
                    f"{key}: unknown stakeholder class (extensible: "
                    f"{', '.join(EXTENSIBLE_STAKEHOLDER_CLASSES)}; employees and competitors "
                    "come from [[organisations]] and their aliases)"
                )
            elif not isinstance(terms, list):
                raise ValueError(f"{key}: expected a list of terms")
        return value

    check: CheckSection = CheckSection()
    digest: DigestSection = DigestSection()
    signals: SignalsSection = SignalsSection()
    #: ``[sources.<section>]`` tables as written: each is validated by the settings model
    #: of the connectors that read it (``source_settings``), found through the plugins.
    sources: dict[str, dict[str, Any]] = {}
    alerts: AlertsSection = AlertsSection()

    _path: Path = PrivateAttr(default=Path("veille.toml"))
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)
    _settings: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def source_settings(self, section: str, model: type[S]) -> S:
        """``[sources.<section>]`` validated by ``model`` (defaults when absent); a
        ``ConfigError`` names the line and the field."""
        done = self._settings.get(section)
        if isinstance(done, model):
            return done
        try:
            value = model.model_validate(self.sources.get(section, {}))
        except ValidationError as exc:
            raise ConfigError(
                "\n".join(_problems(exc, self._path, self._lines, ("sources", section))),
                hint="Fix the file, then run the command again.",
            ) from None
        self._settings[section] = value
        return value

    def organisation(self, org_id: str) -> Organisation | None:
        return next((o for o in self.organisations if o.id == org_id), None)

    def tracked_accounts(self) -> dict[str, set[str]]:
        """Accounts of leaders and organisations, per network."""
        out: dict[str, set[str]] = {}
        entities: list[Leader | Organisation] = [*self.leaders, *self.organisations]
        for entity in entities:
            for network, accounts in entity.accounts.items():
                out.setdefault(network, set()).update(accounts)
        return out


# --- loading, with errors that name the line --------------------------------------------

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def _key_parts(text: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in text.split("."))


def locate_keys(text: str) -> dict[tuple[str | int, ...], int]:
    """Map each key path of a TOML document to the line (1-based) that defines it.
    Arrays of tables get their index: ``('leaders', 2, 'accounts')``."""
    lines: dict[tuple[str | int, ...], int] = {}
    counts: dict[tuple[str, ...], int] = {}
    current: tuple[str | int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            parts = _key_parts(header.group(2))
            if header.group(1) == "[[":
                index = counts.get(parts, -1) + 1
                counts[parts] = index
                current = (*parts, index)
            else:
                current = parts
            lines.setdefault(current, number)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((*current, *_key_parts(key.group(1))), number)
    return lines


def _line_of(loc: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _dotted(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return (
            "unknown field (check its spelling; see the commented veille.toml from `veille init`)"
        )
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    given = error.get("input")
    if kind not in ("value_error",) and given is not None and not isinstance(given, dict | list):
        message += f" (got {given!r})"
    return message


def _problems(
    exc: ValidationError,
    path: Path,
    lines: dict[tuple[str | int, ...], int],
    prefix: tuple[str | int, ...] = (),
) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = prefix + tuple(
            p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        line = _line_of(loc, lines)
        where = f"{path}:{line}" if line else str(path)
        problems.append(f"{where}: {_dotted(loc) or '(top level)'}: {_explain(dict(error))}")
    return problems


def parse_config(
    text: str, path: Path, sections: Mapping[str, Sequence[type[BaseModel]]] | None = None
) -> VeilleConfig:
    """Parse and validate ``text`` (the content of ``path``). ``sections``: the settings
    models of the registered connectors by ``[sources.<section>]`` name; each table present
    is validated by them, and an unknown one is an error (``None``: checked when used)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    lines = locate_keys(text)
    try:
        config = VeilleConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            "\n".join(_problems(exc, path, lines)), hint="Fix the file, then run the command again."
        ) from None
    config._path, config._lines = path, lines
    references = _cross_check(config)
    if references:
        raise ConfigError(
            "\n".join(
                f"{path}:{_line_of(loc, lines) or '?'}: {_dotted(loc)}: {msg}"
                for loc, msg in references
            )
        )
    if sections is not None:
        _check_sources(config, sections)
    _check_alert_sinks(config)
    return config


def _check_alert_sinks(config: VeilleConfig) -> None:
    """Each ``[alerts.sinks.NAME]`` validated by the settings model of its ``type`` (the
    sink classes registered through the plugins)."""
    if not config.alerts.sinks:
        return
    from veille.plugins import alert_sinks

    types = alert_sinks()
    problems: list[str] = []
    for name, table in config.alerts.sinks.items():
        where: tuple[str | int, ...] = ("alerts", "sinks", name)
        cls = types.get(str(table.get("type")))
        if cls is None:
            line = _line_of((*where, "type"), config._lines)
            problems.append(
                f"{config._path}:{line or '?'}: {_dotted((*where, 'type'))}: unknown sink type "
                f"{table.get('type')!r} (known: {', '.join(sorted(types)) or 'none'})"
            )
            continue
        try:
            cls.Settings.model_validate({k: v for k, v in table.items() if k != "type"})
        except ValidationError as exc:
            problems.extend(_problems(exc, config._path, config._lines, where))
    if problems:
        raise ConfigError("\n".join(problems), hint="Fix the file, then run the command again.")


def _check_sources(config: VeilleConfig, sections: Mapping[str, Sequence[type[BaseModel]]]) -> None:
    for name in config.sources:
        if name not in sections:
            close = difflib.get_close_matches(name, list(sections), n=1)
            line = _line_of(("sources", name), config._lines)
            where = f"{config._path}:{line}" if line else str(config._path)
            raise ConfigError(
                f"{where}: sources.{name}: unknown source "
                f"(known: {', '.join(sorted(sections)) or 'none'})",
                hint=f"Did you mean [sources.{close[0]}]?" if close else None,
            )
        for model in sections[name]:
            config.source_settings(name, model)


def _cross_check(config: VeilleConfig) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    org_ids = [o.id for o in config.organisations]
    sections: tuple[tuple[str, Sequence[Organisation | Leader | Watch | Objective]], ...] = (
        ("organisations", config.organisations),
        ("leaders", config.leaders),
        ("watches", config.watches),
        ("objectives", config.objectives),
    )
    for section, items in sections:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                problems.append(((section, index, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
    leader_ids = {leader.id for leader in config.leaders}
    for index, leader in enumerate(config.leaders):
        if leader.organisation and leader.organisation not in org_ids:
            problems.append(
                (
                    ("leaders", index, "organisation"),
                    f"unknown organisation {leader.organisation!r} "
                    f"(declared: {', '.join(org_ids) or 'none'})",
                )
            )
    for index, org in enumerate(config.organisations):
        for other in org.competitors:
            if other not in org_ids:
                problems.append(
                    (
                        ("organisations", index, "competitors"),
                        f"unknown organisation {other!r} (declared: {', '.join(org_ids)})",
                    )
                )
    for index, objective in enumerate(config.objectives):
        if bool(objective.leader) == bool(objective.organisation):
            problems.append(
                (("objectives", index, "id"), "give either leader or organisation (one of them)")
            )
        if objective.leader and objective.leader not in leader_ids:
            problems.append(
                (("objectives", index, "leader"), f"unknown leader {objective.leader!r}")
            )
        if objective.organisation and objective.organisation not in org_ids:
            problems.append(
                (
                    ("objectives", index, "organisation"),
                    f"unknown organisation {objective.organisation!r}",
                )
            )
    problems.extend(
        alert_references(config.alerts, [w.id for w in config.watches], sorted(leader_ids), org_ids)
    )
    return problems


def load_config(
    path: Path, sections: Mapping[str, Sequence[type[BaseModel]]] | None = None
) -> VeilleConfig:
    if not path.exists():
        raise ConfigError(
            f"{path}: no such file", hint="Create a workspace with `veille init DIR`."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 at byte {exc.start}") from None
    return parse_config(text, path, sections)
