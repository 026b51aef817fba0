"""Risk terms of the pre-publication check: the shipped FR/EN lexicons
(``risk_terms.toml``) extended by ``[check.risk_terms]`` in ``veille.toml``.

Terms match on word boundaries, case- and accent-insensitively; a term ending in ``*`` is
a prefix. Matching one draft is a few compiled regular expressions (one per category):
the batch matcher of the pipeline is for millions of posts, not for one draft.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from veille.workspace.config import RISK_CATEGORIES


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("’", "'").replace("ʼ", "'")


def fold(text: str) -> str:
    """Lowercase, without accents, typographic apostrophes as ``'``."""
    return "".join(_fold_char(c) for c in text)


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each of its characters, the index in ``text`` it comes from
    (so that a match can be quoted as written)."""
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        parts.append(folded)
        origin.extend([index] * len(folded))
    origin.append(len(text))
    return "".join(parts), origin


@dataclass(frozen=True)
class Category:
    name: str
    status: str  # what a match does: "fail" or "warn"
    terms: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def find(self, text: str) -> list[str]:
        """The distinct matches in ``text``, as written there, in text order."""
        if self.pattern is None:
            return []
        folded, origin = fold_with_map(text)
        seen: list[str] = []
        for match in self.pattern.finditer(folded):
            found = text[origin[match.start()] : origin[match.end()]]
            if found.lower() not in (s.lower() for s in seen):
                seen.append(found)
        return seen


def _term_regex(term: str) -> str:
    prefix = term.endswith("*")
    body = fold(term.rstrip("*").strip())
    words = [re.escape(w) for w in body.split()]
    core = r"\s+".join(words)
    tail = r"\w*" if prefix else ""
    return rf"(?<!\w){core}{tail}(?!\w)"


def compile_category(name: str, status: str, terms: Sequence[str]) -> Category:
    clean = tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))
    # longest first, so that "strictement confidentiel" wins over "confidentiel"
    ordered = sorted(clean, key=lambda t: -len(t))
    pattern = re.compile("|".join(_term_regex(t) for t in ordered)) if ordered else None
    return Category(name, status, clean, pattern)


@cache
def shipped_lexicons() -> dict[str, tuple[str, tuple[str, ...]]]:
    """The shipped categories: name -> (status, terms)."""
    text = resources.files("veille.reports").joinpath("risk_terms.toml").read_text("utf-8")
    data = tomllib.loads(text)
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name in RISK_CATEGORIES:
        section = data[name]
        out[name] = (str(section["status"]), tuple(str(t) for t in section["terms"]))
    return out


def risk_lexicon(extra: Mapping[str, Sequence[str]] | None = None) -> tuple[Category, ...]:
    """The categories, shipped terms plus ``extra`` (``[check.risk_terms]``)."""
    return _compiled(tuple(sorted((k, tuple(v)) for k, v in (extra or {}).items())))


@cache
def _compiled(extra: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Category, ...]:
    more = dict(extra)
    return tuple(
        compile_category(name, status, (*terms, *more.get(name, ())))
        for name, (status, terms) in shipped_lexicons().items()
    )
