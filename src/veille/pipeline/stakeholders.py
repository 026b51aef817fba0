"""Stakeholder class of post authors, with the reason for each.

Classes: ``self`` (a registered leader's or organisation's own account), ``employee``,
``competitor``, ``journalist`` (journalist or media), ``peer_leader``, ``investor`` (investor
or analyst), ``public_sector`` (politics or public sector), ``bot``, ``customer`` (customer or
public: the default).

Rules, in order of precedence (the first tier with a match decides):

1. **registry**: the author's handle, id or URL is an account listed in ``veille.toml``:
   a leader's or an own/partner/other organisation's -> ``self``; a competitor's ->
   ``competitor``; a media organisation's -> ``journalist``.
2. **bot**: a bot cue in the handle, bio or display name ("bot", "automated account",
   "compte automatique"...), a handle whose first label ends in "bot" ("meteobot"), or a
   ``posts_per_day`` column (when the batch has one) at or above the configured rate.
3. **employer**: an organisation of the registry named with an employer cue ("at Acme",
   "chez Acme", "@acme", "équipe Acme") or a handle/URL/e-mail on one of its domains:
   own -> ``employee``, competitor -> ``competitor``, media -> ``journalist``.
4. **role lexicons**: journalist, public_sector, investor, peer_leader terms (FR/EN, plus
   the ``[stakeholders]`` extensions of ``veille.toml``).
5. otherwise ``customer``.

Within tiers 3 and 4, the fields are read in the order handle, bio, display name, URL; in
the first field with a match the earliest match wins, then the longest, then the class
order journalist, public_sector, investor, peer_leader, customer. Generic titles
("président", "chairman": the ``weak`` list) rank after every other term, in any field.
A match inside an ``ignore`` phrase ("data analyst", "not a bot") does not count; a match
preceded within two tokens by a ``former`` word ("ex-", "former", "ancien") does not count
either, except for public_sector (a former minister is still a political actor).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from veille.errors import ConfigError
from veille.model import EXTENSIBLE_STAKEHOLDER_CLASSES
from veille.pipeline.base import append_columns
from veille.pipeline.lexmatch import (
    Matcher,
    Matches,
    as_string_array,
    cap_length,
    normalize,
    normalize_terms,
)

if TYPE_CHECKING:
    from veille.workspace.config import VeilleConfig

__all__ = [
    "CLASSES",
    "LeaderRef",
    "OrgRef",
    "StakeholderConfig",
    "StakeholderStage",
    "builtin_lexicons",
]

CLASSES: tuple[str, ...] = (
    "self",
    "employee",
    "competitor",
    "journalist",
    "public_sector",
    "investor",
    "peer_leader",
    "bot",
    "customer",
)
#: Classes whose built-in lexicon users may extend in ``[stakeholders]`` (``veille.model``).
EXTENSIBLE = EXTENSIBLE_STAKEHOLDER_CLASSES
ROLE_CLASSES: tuple[str, ...] = (
    "journalist",
    "public_sector",
    "investor",
    "peer_leader",
    "customer",
)
FIELDS: tuple[str, ...] = ("handle", "bio", "display_name", "url")
_FIELD_LABEL = {"handle": "handle", "bio": "bio", "display_name": "display name", "url": "url"}
_FIELD_CAP = {"handle": 300, "bio": 4000, "display_name": 300, "url": 1000}
_DOMAIN_NOUN = {
    "journalist": "media domain",
    "public_sector": "public-sector domain",
    "investor": "investor domain",
    "peer_leader": "domain",
    "bot": "bot domain",
    "customer": "domain",
}
DEFAULT_REASON = "default: no rule matched (customer or public)"
DEFAULT_BOT_POSTS_PER_DAY = 150.0

_TIER_REGISTRY, _TIER_BOT, _TIER_EMPLOYER, _TIER_ROLE = 0, 1, 2, 3
_CLASS_ID = {name: i for i, name in enumerate(CLASSES)}
_CUSTOMER = _CLASS_ID["customer"]
_BOT = _CLASS_ID["bot"]
_PUBLIC_SECTOR = _CLASS_ID["public_sector"]
_INVESTOR = _CLASS_ID["investor"]
_PAIR_WINDOW = 5  # at most this many spaces (4 tokens) between a partner cue and a fund word

# Employer cue templates: "{}" is an organisation name (or alias).
_EMPLOYER_TEMPLATES: tuple[str, ...] = (
    "at {}",
    "@ {}",
    "@{}",
    "chez {}",
    "{} employee",
    "{} employees",
    "employee of {}",
    "employee at {}",
    "{} staff",
    "{} team",
    "team {}",
    "joined {}",
    "working for {}",
    "works for {}",
    "work for {}",
    "travaille pour {}",
    "travaille à {}",
    "salarié de {}",
    "salariée de {}",
    "salarié d'{}",
    "salariée d'{}",
    "salarié {}",
    "salariée {}",
    "collaborateur de {}",
    "collaboratrice de {}",
    "collaborateur d'{}",
    "collaboratrice d'{}",
    "équipe {}",
)
_DOMAIN_FIELDS = frozenset({"handle", "url"})
# handles are ASCII on every supported network; an ASCII class keeps the regex cheap to compile
_HANDLE_BOT_REASON = "handle ends in 'bot'"
_HANDLE_BOT = r"^@?(?:[a-z0-9]{4,}|[a-z0-9_-]*[_-])bots?(?:[.@]|$)"


# Typed scalars for the compute functions: given a bare Python value, pyarrow infers its
# type, and each inference tries to import dateutil (about 40-70 us per call when it is not
# installed, the import failure is not cached).
def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _float(value: float) -> pa.Scalar:
    return pa.scalar(value, pa.float64())


_FALSE = pa.scalar(False, pa.bool_())


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class OrgRef:
    """An organisation of the registry as the stage sees it."""

    id: str
    names: tuple[str, ...]  # name and aliases
    domains: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()  # (network, account) pairs
    kind: str = "own"  # own | competitor | partner | media | other


@dataclass(frozen=True)
class LeaderRef:
    id: str
    handles: tuple[tuple[str, str], ...] = ()  # (network, account) pairs


@dataclass(frozen=True)
class StakeholderConfig:
    """Registry and lexicon extensions for :class:`StakeholderStage`.

    Build it with :meth:`from_config` from the validated ``veille.toml``.
    """

    organisations: tuple[OrgRef, ...] = ()
    leaders: tuple[LeaderRef, ...] = ()
    extra_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    bot_posts_per_day: float = DEFAULT_BOT_POSTS_PER_DAY

    @property
    def own(self) -> tuple[OrgRef, ...]:
        return tuple(o for o in self.organisations if o.kind == "own")

    @property
    def competitors(self) -> tuple[OrgRef, ...]:
        return tuple(o for o in self.organisations if o.kind == "competitor")

    @classmethod
    def from_config(cls, config: VeilleConfig) -> StakeholderConfig:
        """From the validated registry of ``veille.toml`` (organisations, leaders, and the
        ``[stakeholders]`` lexicon extensions). An organisation's ``kind`` is the config's
        (default ``other``); one that is not ``own`` but that an ``own`` organisation lists
        in ``competitors`` counts as a competitor. Raises :class:`ConfigError` for an
        extension term that has no letter or digit (it could never match)."""
        competitor_ids = {c for o in config.organisations if o.kind == "own" for c in o.competitors}
        organisations = tuple(
            OrgRef(
                id=org.id,
                names=(org.name, *org.aliases),
                domains=tuple(org.domains),
                handles=_pairs(org.accounts),
                kind="competitor" if org.kind != "own" and org.id in competitor_ids else org.kind,
            )
            for org in config.organisations
        )
        leaders = tuple(
            LeaderRef(id=leader.id, handles=_pairs(leader.accounts)) for leader in config.leaders
        )
        extra: dict[str, tuple[str, ...]] = {}
        rate = DEFAULT_BOT_POSTS_PER_DAY
        for key, value in config.stakeholders.items():
            if key == "bot_posts_per_day":
                rate = float(cast(float, value))
                continue
            terms = list(cast(list[str], value))
            for j, (term, norm) in enumerate(zip(terms, normalize_terms(terms), strict=True)):
                if not norm:
                    raise ConfigError(
                        f"stakeholders.{key}[{j}]: term {term!r} has no letter or digit"
                    )
            extra[key] = tuple(terms)
        return cls(organisations, leaders, extra, rate)


def _pairs(accounts: Mapping[str, list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((network, handle) for network, handles in accounts.items() for handle in handles)


# --------------------------------------------------------------------------- lexicons


@cache
def builtin_lexicons() -> dict[str, Any]:
    """The packaged ``lexicons/stakeholders.toml``."""
    text = (
        resources.files("veille.pipeline")
        .joinpath("lexicons/stakeholders.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


def _is_domain(term: str) -> bool:
    parts = term.strip().lower().split(".")
    return len(parts) >= 2 and " " not in term and all(parts) and not term.startswith("@")


@dataclass(frozen=True)
class _Entry:
    cls: int  # index into CLASSES, or -1 for ignore
    tier: int
    term: str  # as written (for the reason)
    kind: str  # "word" | "domain" | "employer" | "ignore"
    org: str = ""
    org_kind: str = ""
    fields: frozenset[str] = frozenset(FIELDS)
    weak: bool = False  # a generic title: ranks after the other role terms of its field


def _registry_ident(value: str) -> str:
    return value.strip().lower().lstrip("@").rstrip("/")


def _registry_idents(network: str, account: str) -> list[str]:
    ident = _registry_ident(account)
    idents = [ident]
    if network == "mastodon" and "@" in ident:
        user, _, instance = ident.partition("@")
        idents += [f"https://{instance}/@{user}", f"https://{instance}/users/{user}"]
    elif network == "x":
        idents += [f"https://x.com/{ident}", f"https://twitter.com/{ident}"]
    elif network == "bluesky" and not ident.startswith("did:"):
        idents.append(f"https://bsky.app/profile/{ident}")
    return idents


# --------------------------------------------------------------------------- the stage


class StakeholderStage:
    """Arrow batch -> the same batch with ``stakeholder`` and ``stakeholder_reason``."""

    name: ClassVar[str] = "stakeholders"
    version: ClassVar[str] = "1.0.0"
    label_column: ClassVar[str] = "stakeholder"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = None
    detail_columns: ClassVar[tuple[str, ...]] = ("stakeholder_reason",)

    def __init__(self, config: StakeholderConfig | None = None) -> None:
        self.config = config or StakeholderConfig()
        lex = builtin_lexicons()
        exceptions = lex["bot"].get("handle_exceptions", [])
        self._bot_exceptions = pa.array([e.lower() for e in exceptions], type=pa.string())
        pending: list[_Entry] = []  # normalised all at once below (one Arrow call)

        def add(terms: Iterable[str], make: Any) -> None:
            pending.extend(make(term) for term in terms)

        for cls_name in (*ROLE_CLASSES, "bot"):
            tier = _TIER_BOT if cls_name == "bot" else _TIER_ROLE
            section = lex.get(cls_name, {})
            extra = self.config.extra_terms.get(cls_name, ())
            for term in (*section.get("terms", []), *extra):
                kind = "domain" if _is_domain(term) else "word"
                add([term], lambda t, c=cls_name, k=kind, r=tier: _Entry(_CLASS_ID[c], r, t, k))
            add(
                section.get("weak", []),
                lambda t, c=cls_name, r=tier: _Entry(_CLASS_ID[c], r, t, "word", weak=True),
            )
        ignore = (*lex["ignore"]["terms"], *self.config.extra_terms.get("ignore", ()))
        add(ignore, lambda t: _Entry(-1, -1, t, "ignore"))

        # registry: employer cues, domains, media names
        self._registry: dict[str, tuple[int, str]] = {}
        for org in self.config.organisations:
            if org.kind == "own":
                cls_id, label = _CLASS_ID["employee"], f"own organisation {org.id}"
            elif org.kind == "competitor":
                cls_id, label = _CLASS_ID["competitor"], f"competitor {org.id}"
            elif org.kind == "media":
                cls_id, label = _CLASS_ID["journalist"], f"media organisation {org.id}"
            else:
                cls_id, label = -2, f"{org.kind} organisation {org.id}"
            for network, handle in org.handles:
                account_cls = _CLASS_ID["self"] if cls_id in (_CLASS_ID["employee"], -2) else cls_id
                for ident in _registry_idents(network, handle):
                    self._registry.setdefault(
                        f"{network}\x1f{ident}", (account_cls, f"registry: {label} account")
                    )
            if cls_id == -2:
                continue
            names = list(org.names)
            # the name glued as in a handle or hashtag: "@MaisonVerlaine", "#LesEchos"
            names += [g for g in (re.sub(r"[\W_]+", "", name) for name in org.names) if len(g) > 2]
            for _network, handle in org.handles:
                local = _registry_ident(handle).split("@")[0].split(".")[0]
                if local and "/" not in local and ":" not in local:
                    names.append(local)
            for name in dict.fromkeys(names):
                cues = [tpl.format(name) for tpl in _EMPLOYER_TEMPLATES]
                add(
                    cues,
                    lambda t, c=cls_id, o=org: _Entry(
                        c, _TIER_EMPLOYER, t, "employer", o.id, o.kind
                    ),
                )
                if org.kind == "media":
                    add(
                        [name],
                        lambda t, o=org: _Entry(
                            _CLASS_ID["journalist"], _TIER_ROLE, t, "word", o.id, o.kind
                        ),
                    )
            for domain in org.domains:
                add(
                    [domain],
                    lambda t, c=cls_id, o=org: _Entry(
                        c, _TIER_EMPLOYER, t, "domain", o.id, o.kind, _DOMAIN_FIELDS
                    ),
                )
                add(
                    [f"@{domain}"],
                    lambda t, c=cls_id, o=org: _Entry(
                        c, _TIER_EMPLOYER, t, "employer", o.id, o.kind
                    ),
                )
        for leader in self.config.leaders:
            for network, handle in leader.handles:
                for ident in _registry_idents(network, handle):
                    self._registry.setdefault(
                        f"{network}\x1f{ident}",
                        (_CLASS_ID["self"], f"registry: leader {leader.id} account"),
                    )
        # any-network keys, for rows whose network is missing
        for key, value in list(self._registry.items()):
            self._registry.setdefault("*\x1f" + key.split("\x1f", 1)[1], value)

        norms = normalize_terms(e.term for e in pending)
        keys: dict[str, int] = {}
        key_entries: list[list[_Entry]] = []
        for norm, entry in zip(norms, pending, strict=True):
            if not norm:
                continue
            key_id = keys.setdefault(norm, len(keys))
            if key_id == len(key_entries):
                key_entries.append([])
            if entry not in key_entries[key_id]:
                key_entries[key_id].append(entry)
        former_terms = [*lex["former"]["terms"], *self.config.extra_terms.get("former", ())]
        former_keys = {norm for norm in normalize_terms(former_terms) if norm}
        partner = lex["investor"]
        partner_terms = dict(
            zip(normalize_terms(partner["partner"]), partner["partner"], strict=True)
        )
        fund_terms = dict(zip(normalize_terms(partner["fund"]), partner["fund"], strict=True))
        for norm in (*former_keys, *partner_terms, *fund_terms):
            if norm and norm not in keys:
                keys[norm] = len(keys)
                key_entries.append([])

        # Per key: flags and its entries (a CSR layout over the flat entry table); per entry:
        # class, tier, allowed fields (bit mask) and the index of its reason for field 0 in
        # the reason table (field f is at + f).
        n_keys = len(keys)
        self._key_ignore = np.zeros(n_keys, dtype=bool)
        self._key_former = np.zeros(n_keys, dtype=bool)
        self._key_partner: dict[int, str] = {keys[k]: t for k, t in partner_terms.items() if k}
        self._key_fund: dict[int, str] = {keys[k]: t for k, t in fund_terms.items() if k}
        self._key_pairing = np.zeros(n_keys, dtype=bool)
        self._key_pairing[list(self._key_partner) + list(self._key_fund)] = True
        self._entry_start = np.zeros(n_keys, dtype=np.int64)
        self._entry_count = np.zeros(n_keys, dtype=np.int64)
        flat: list[_Entry] = []
        for norm, key_id in keys.items():
            found = key_entries[key_id]
            ignored = any(e.kind == "ignore" for e in found)
            self._key_ignore[key_id] = ignored
            self._key_former[key_id] = norm in former_keys
            real = [] if ignored else found
            self._entry_start[key_id] = len(flat)
            self._entry_count[key_id] = len(real)
            flat.extend(real)
        reasons: list[str] = [DEFAULT_REASON, _HANDLE_BOT_REASON]
        self._registry_class = np.array([c for c, _ in self._registry.values()], dtype=np.int64)
        self._registry_reason = np.arange(len(self._registry), dtype=np.int64) + len(reasons)
        reasons += [reason for _, reason in self._registry.values()]
        self._entry_class = np.array([e.cls for e in flat], dtype=np.int64)
        self._entry_tier = np.array([e.tier for e in flat], dtype=np.int64)
        self._entry_weak = np.array([e.weak for e in flat], dtype=np.int64)
        self._entry_fields = np.array(
            [sum(1 << i for i, f in enumerate(FIELDS) if f in e.fields) for e in flat],
            dtype=np.int64,
        )
        self._entry_reason = np.arange(len(flat), dtype=np.int64) * len(FIELDS) + len(reasons)
        reasons += [_reason(_FIELD_LABEL[f], e) for e in flat for f in FIELDS]
        self._reasons = pa.array(reasons, type=pa.string())
        self._matcher = Matcher(list(keys))
        self._registry_keys = pa.array(list(self._registry), type=pa.string())
        self._class_dictionary = pa.array(CLASSES, type=pa.string())

    # ------------------------------------------------------------------ call

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        columns = {
            name: as_string_array(_column(batch, name), n, name)
            for name in ("network", "author_id", *FIELDS)
        }
        rate = _rate_column(batch)
        # classify each distinct author description once
        key_parts: list[pa.Array] = [columns[c] for c in ("network", "author_id", *FIELDS)]
        if rate is not None:
            key_parts.append(pc.cast(pc.fill_null(rate, _float(-1.0)), pa.string()))
        if n > 1:
            joined = pc.binary_join_element_wise(*key_parts, _text("\x1f"))
            encoded = pc.dictionary_encode(joined)
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            uniques, first = np.unique(indices, return_index=True)
            if len(uniques) < n:
                take = pa.array(first)
                columns = {k: v.take(take) for k, v in columns.items()}
                if rate is not None:
                    rate = rate.take(take)
                classes, reasons = self._classify(columns, rate, len(uniques))
                expand = pa.array(indices)
                return append_columns(
                    batch,
                    {
                        "stakeholder": classes.take(expand),
                        "stakeholder_reason": reasons.take(expand),
                    },
                )
        classes, reasons = self._classify(columns, rate, n)
        return append_columns(batch, {"stakeholder": classes, "stakeholder_reason": reasons})

    def classify_one(
        self,
        *,
        handle: str | None = None,
        bio: str | None = None,
        display_name: str | None = None,
        url: str | None = None,
        network: str | None = None,
        author_id: str | None = None,
    ) -> tuple[str, str]:
        """Convenience for one account: ``(class, reason)``."""
        batch = pa.RecordBatch.from_pydict(
            {
                "network": pa.array([network], pa.string()),
                "author_id": pa.array([author_id], pa.string()),
                "handle": pa.array([handle], pa.string()),
                "bio": pa.array([bio], pa.string()),
                "display_name": pa.array([display_name], pa.string()),
                "url": pa.array([url], pa.string()),
            }
        )
        out = self(batch)
        return out.column("stakeholder")[0].as_py(), out.column("stakeholder_reason")[0].as_py()

    # ------------------------------------------------------------------ internals

    def _classify(
        self, columns: Mapping[str, pa.StringArray], rate: pa.Array | None, n: int
    ) -> tuple[pa.Array, pa.Array]:
        """Class and reason of each of the ``n`` rows. Every rule offers candidates (row,
        rank, class, reason); the smallest rank per row wins. The rank is
        (tier, weak, field, start, -length, class) for lexicon matches, (tier, field, start) for
        bot cues, (tier,) for the registry."""
        cands = _Candidates()
        dynamic: list[str] = []  # reasons made for this batch (posting rates)

        # 1. registry
        if self._registry:
            network = pc.if_else(
                pc.equal(columns["network"], _text("")), _text("*"), columns["network"]
            )
            for col in ("handle", "author_id", "url"):
                ident = pc.utf8_rtrim(
                    pc.utf8_ltrim(pc.utf8_lower(pc.utf8_trim_whitespace(columns[col])), "@"), "/"
                )
                keys = pc.binary_join_element_wise(network, ident, _text("\x1f"))
                found = pc.index_in(keys, value_set=self._registry_keys)
                hits = np.flatnonzero(pc.is_valid(found).to_numpy(zero_copy_only=False))
                if len(hits):
                    ids = found.to_numpy(zero_copy_only=False)[hits].astype(np.int64)
                    cands.add(
                        hits,
                        _TIER_REGISTRY,
                        0,
                        0,
                        0,
                        self._registry_class[ids],
                        self._registry_reason[ids],
                    )

        # 2. bot: handle pattern and posting rate
        handle_l = pc.utf8_lower(columns["handle"])
        pattern = pc.match_substring_regex(handle_l, _HANDLE_BOT)
        label = pc.struct_field(pc.extract_regex(handle_l, r"^@?(?P<label>[^.@]*)"), "label")
        exempt = pc.fill_null(pc.is_in(label, value_set=self._bot_exceptions), False)
        flagged = pc.fill_null(pc.and_(pattern, pc.invert(exempt)), _FALSE)
        bot_rows = np.flatnonzero(flagged.to_numpy(zero_copy_only=False))
        cands.add(bot_rows, _TIER_BOT, -1, 0, 0, _BOT, 1)
        if rate is not None:
            threshold = self.config.bot_posts_per_day
            fast = pc.fill_null(pc.greater_equal(rate, _float(threshold)), _FALSE)
            fast_rows = np.flatnonzero(fast.to_numpy(zero_copy_only=False))
            if len(fast_rows):
                values = rate.to_numpy(zero_copy_only=False)[fast_rows]
                first = len(self._reasons) + len(dynamic)
                dynamic += [f"posts_per_day {v:g} >= {threshold:g}" for v in values.tolist()]
                reason_ids = np.arange(len(fast_rows), dtype=np.int64) + first
                cands.add(fast_rows, _TIER_BOT, len(FIELDS), 0, 0, _BOT, reason_ids)

        # 3-4. lexicons: the four fields stacked into one array (slot = field * n + row),
        # normalised and scanned at once
        stacked = pa.concat_arrays([cap_length(columns[f], _FIELD_CAP[f]) for f in FIELDS])
        matches = self._matcher.scan(normalize(stacked))
        if len(matches):
            self._lexicon_candidates(matches, n, cands, dynamic)

        # the smallest rank per row
        class_ids = np.full(n, _CUSTOMER, dtype=np.int32)
        reason_ids = np.zeros(n, dtype=np.int32)  # 0: DEFAULT_REASON
        if len(cands):
            row, tier, fld, weak, start, neglen, rank_cls, cls, reason = cands.arrays()
            order = np.lexsort((rank_cls, neglen, start, fld, weak, tier, row))
            ordered = row[order]
            is_first = np.ones(len(order), dtype=bool)
            is_first[1:] = ordered[1:] != ordered[:-1]
            chosen = order[is_first]
            class_ids[row[chosen]] = cls[chosen]
            reason_ids[row[chosen]] = reason[chosen]
        table = self._reasons
        if dynamic:
            table = pa.concat_arrays([table, pa.array(dynamic, type=pa.string())])
        classes = pa.DictionaryArray.from_arrays(pa.array(class_ids), self._class_dictionary)
        reasons = pa.DictionaryArray.from_arrays(pa.array(reason_ids), table)
        return classes.cast(pa.string()), reasons.cast(pa.string())

    def _lexicon_candidates(
        self, matches: Matches, n: int, cands: _Candidates, dynamic: list[str]
    ) -> None:
        slot, key, start, end = matches.row, matches.key, matches.start, matches.end
        drop = np.zeros(len(slot), dtype=bool)
        after_former = np.zeros(len(slot), dtype=bool)
        special = self._key_ignore[key] | self._key_former[key] | self._key_pairing[key]
        if special.any():
            # Python only for the field values that hold an ignore phrase, a former word or
            # a partner/fund word
            affected = np.flatnonzero(np.isin(slot, np.unique(slot[special])))
            pairs = self._resolve_modifiers(matches, affected, drop, after_former)
            for pair_slot, pair_start, pair_end, partner_term, fund_term in pairs:
                pair_field, pair_row = divmod(pair_slot, n)
                label = _FIELD_LABEL[FIELDS[pair_field]]
                dynamic.append(f"{label} contains '{partner_term}' … '{fund_term}'")
                reason = len(self._reasons) + len(dynamic) - 1
                cands.add(
                    np.array([pair_row]),
                    _TIER_ROLE,
                    pair_field,
                    pair_start,
                    pair_start - pair_end,
                    _INVESTOR,
                    reason,
                )
        # one pair per (match, entry of its key)
        counts = self._entry_count[key]
        match_idx = np.repeat(np.arange(len(key)), counts)
        group_first = np.repeat(np.cumsum(counts) - counts, counts)
        entry = self._entry_start[key][match_idx] + (np.arange(len(match_idx)) - group_first)
        fld, row = np.divmod(slot[match_idx], n)
        ok = ((self._entry_fields[entry] >> fld) & 1).astype(bool)
        ok &= ~drop[match_idx]
        ok &= ~(after_former[match_idx] & (self._entry_class[entry] != _PUBLIC_SECTOR))
        match_idx, entry, fld, row = match_idx[ok], entry[ok], fld[ok], row[ok]
        tier = self._entry_tier[entry]
        cls = self._entry_class[entry]
        is_bot = tier == _TIER_BOT
        m_start = start[match_idx]
        neglen = np.where(is_bot, 0, m_start - end[match_idx])
        rank_cls = np.where(is_bot, 0, cls)
        weak = self._entry_weak[entry]
        reason = self._entry_reason[entry] + fld
        cands.add(row, tier, fld, m_start, neglen, cls, reason, rank_cls, weak)

    def _resolve_modifiers(
        self,
        matches: Matches,
        indices: npt.NDArray[np.int64],
        drop: npt.NDArray[np.bool_],
        after_former: npt.NDArray[np.bool_],
    ) -> list[tuple[int, int, int, str, str]]:
        """Mark matches hidden by an ignore phrase (``drop``) and matches that come within
        two tokens after a former word (``after_former``), and return the partner-at-fund
        pairs ("Partner at Greenlane Capital": a partner cue followed within
        :data:`_PAIR_WINDOW` tokens by a fund word) as (slot, start, end, partner term, fund
        term). ``indices`` are in text order."""
        text, row_start = matches.text, matches.row_start
        ignored: dict[int, list[tuple[int, int]]] = {}
        former_end: dict[int, int] = {}
        partner_at: dict[int, tuple[int, int, str]] = {}  # slot -> last partner cue
        pairs: list[tuple[int, int, int, str, str]] = []
        for i, slot, key, start, end in zip(
            indices.tolist(),
            matches.row[indices].tolist(),
            matches.key[indices].tolist(),
            matches.start[indices].tolist(),
            matches.end[indices].tolist(),
            strict=True,
        ):
            spans = ignored.get(slot)
            if spans is not None and any(s <= start and end <= e for s, e in spans):
                drop[i] = True
                continue
            if self._key_ignore[key]:
                ignored.setdefault(slot, []).append((start, end))
                continue
            fe = former_end.get(slot)
            if fe is not None and fe <= start:
                base = int(row_start[slot])
                # the former word is one of the two tokens before the match
                after_former[i] = text.count(" ", base + fe, base + start) <= 2
            if self._key_former[key]:
                former_end[slot] = end
            if after_former[i]:
                continue
            partner_term = self._key_partner.get(key)
            if partner_term is not None:
                partner_at[slot] = (start, end, partner_term)
            fund_term = self._key_fund.get(key)
            previous = partner_at.get(slot)
            if fund_term is not None and previous is not None and previous[1] <= start:
                base = int(row_start[slot])
                if text.count(" ", base + previous[1], base + start) <= _PAIR_WINDOW:
                    pairs.append((slot, previous[0], end, previous[2], fund_term))
                    del partner_at[slot]
        return pairs


class _Candidates:
    """Columns of candidate (row, rank..., class, reason) tuples, gathered rule by rule."""

    def __init__(self) -> None:
        self._parts: list[tuple[npt.NDArray[np.int64], ...]] = []

    def add(
        self,
        rows: npt.NDArray[np.int64],
        tier: int | npt.NDArray[np.int64],
        field: int | npt.NDArray[np.int64],
        start: int | npt.NDArray[np.int64],
        neglen: int | npt.NDArray[np.int64],
        cls: int | npt.NDArray[np.int64],
        reason: int | npt.NDArray[np.int64],
        rank_cls: int | npt.NDArray[np.int64] | None = None,
        weak: int | npt.NDArray[np.int64] = 0,
    ) -> None:
        k = len(rows)
        if not k:
            return

        def col(value: int | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
            return np.broadcast_to(np.asarray(value, dtype=np.int64), (k,))

        rc = cls if rank_cls is None else rank_cls
        self._parts.append(
            tuple(col(v) for v in (rows, tier, field, weak, start, neglen, rc, cls, reason))
        )

    def __len__(self) -> int:
        return sum(len(p[0]) for p in self._parts)

    def arrays(self) -> tuple[npt.NDArray[np.int64], ...]:
        return tuple(np.concatenate([p[i] for p in self._parts]) for i in range(9))


def _reason(field_label: str, entry: _Entry) -> str:
    cls_name = CLASSES[entry.cls]
    if entry.kind == "employer":
        owner = {
            "own": f"own organisation {entry.org}",
            "competitor": f"competitor {entry.org}",
            "media": f"media organisation {entry.org}",
        }[entry.org_kind]
        return f"{field_label} contains '{entry.term}' ({owner})"
    if entry.kind == "domain":
        if entry.org:
            noun = {
                "own": f"own organisation {entry.org} domain",
                "competitor": f"competitor {entry.org} domain",
                "media": f"media organisation {entry.org} domain",
            }[entry.org_kind]
        else:
            noun = _DOMAIN_NOUN[cls_name]
        verb = "on" if field_label in ("handle", "url") else "mentions"
        return f"{field_label} {verb} {noun} {entry.term}"
    return f"{field_label} contains '{entry.term}'"


def _column(batch: pa.RecordBatch, name: str) -> pa.Array | None:
    index = batch.schema.get_field_index(name)
    return None if index < 0 else batch.column(index)


def _rate_column(batch: pa.RecordBatch) -> pa.Array | None:
    column = _column(batch, "posts_per_day")
    if column is None:
        return None
    try:
        rate = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # NaN and negative rates carry no information
    return pc.if_else(pc.greater_equal(rate, _float(0.0)), rate, pa.scalar(None, pa.float64()))
