"""What a term is, for the burst detector: the things a post is about, as normalised keys.

- ``#tag``: a hashtag, case-folded (``#ForumEnergie26`` and ``#forumenergie26`` are one);
- ``watch:ID``: a watch of ``veille.toml`` the post matches;
- ``@leader:ID`` and ``@org:ID``: a tracked leader or organisation the post mentions (the
  watch stage writes these matches as ``leader:ID`` and ``organisation:ID``);
- ``url:domain/path``: a link, without scheme, ``www.``, query, fragment and trailing slash;
- ``ngram:words``: a run of two or more capitalised words ("Medivia Atlas", "Forum Énergie
  Demain"), case-folded, without a leading article or a sentence-initial word alone. French
  and English: accents are kept (NFC), articles and particles of both languages are known.

Everything here is pure (no store): ``post_terms`` gives the terms of one post.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

#: the term kinds, by prefix
KINDS: dict[str, str] = {
    "#": "hashtag",
    "watch:": "watch",
    "@leader:": "leader",
    "@org:": "organisation",
    "url:": "url",
    "ngram:": "ngram",
}

# words that start a capitalised run without being part of a name (FR and EN)
_LEADING_WORDS = """
le la les l un une des du de d au aux ce cet cette ces son sa ses leur leurs notre nos votre
vos mon ma mes et ou mais donc car ni selon pour par sur avec sans chez dans en quand si est
c il elle ils elles on nous vous je j tu qui que quoi bravo merci the a an and or but so for
of on in at to by with from this that these those my our your his her their its it is we you
they i he she when if why how what who breaking just new big great thanks
"""
_LEADING = frozenset(_LEADING_WORDS.split())
# lowercase particles allowed inside a name ("Banque de France", "Forum Énergie Demain")
_INNER = frozenset({"de", "du", "des", "d", "la", "le", "of", "the", "et", "&"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…:;\n]\s*$")


def hashtag_term(tag: str) -> str | None:
    tag = unicodedata.normalize("NFC", tag.strip().lstrip("#")).casefold()
    return f"#{tag}" if tag else None


def url_term(url: str) -> str | None:
    """``url:domain/path`` of a link, or None when it is not an http(s) link."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    return f"url:{host}{path}"


def match_term(watch_id: str) -> str:
    """The term of a ``matches.watch_id``."""
    if watch_id.startswith("leader:"):
        return f"@leader:{watch_id[7:]}"
    if watch_id.startswith("organisation:"):
        return f"@org:{watch_id[13:]}"
    return f"watch:{watch_id}"


def _is_capitalised(word: str) -> bool:
    return (word[:1].isupper() and not word.isupper()) or (word.isupper() and len(word) <= 5)


def ngram_terms(text: str, max_words: int = 3) -> set[str]:
    """The capitalised runs of 2 to ``max_words`` words of ``text`` (all of a longer run's
    sub-runs of ``max_words`` words), as ``ngram:`` terms."""
    if max_words < 2 or not text:
        return set()
    text = unicodedata.normalize("NFC", text)
    out: set[str] = set()
    run: list[str] = []

    def close() -> None:
        words = list(run)
        while words and words[-1].casefold() in _INNER:
            words.pop()
        while words and words[0].casefold() in _LEADING:
            words.pop(0)
        for size in range(2, max_words + 1):
            for i in range(len(words) - size + 1):
                gram = words[i : i + size]
                if gram[-1].casefold() in _INNER:
                    continue
                if sum(1 for w in gram if w.casefold() not in _INNER) < 2:
                    continue
                out.add("ngram:" + " ".join(w.casefold() for w in gram))
        run.clear()

    last_end = 0
    for m in _WORD.finditer(text):
        word = m.group(0).rstrip("'’-")
        gap = text[last_end : m.start()]
        last_end = m.end()
        if run and (gap.strip(" ") not in ("", "-") or _SENTENCE_END.search(gap)):
            close()
        if (_is_capitalised(word) and not word.startswith(("http", "www"))) or (
            run and word.casefold() in _INNER
        ):
            run.append(word)
        else:
            close()
    close()
    return out


def post_terms(
    text: str | None,
    hashtags: Sequence[str] | None = (),
    urls: Sequence[str] | None = (),
    matches: Iterable[str] | None = (),
    *,
    ngram_max: int = 3,
) -> set[str]:
    """Every term of one post (its hashtags, matches, links and capitalised n-grams)."""
    terms: set[str] = set()
    for tag in hashtags or ():
        if term := hashtag_term(tag):
            terms.add(term)
    for tag in re.findall(r"(?<![\w#])#([^\W_][\w]*)", text or ""):
        if term := hashtag_term(tag):
            terms.add(term)
    for watch in matches or ():
        terms.add(match_term(watch))
    for url in urls or ():
        if term := url_term(url):
            terms.add(term)
    if ngram_max >= 2 and text:
        # hashtags and mentions are not words of a name
        plain = re.sub(r"[#@][\w.:-]+|https?://\S+", " . ", text)
        terms |= ngram_terms(plain, ngram_max)
    return terms


def term_kind(term: str) -> str:
    for prefix, kind in KINDS.items():
        if term.startswith(prefix):
            return kind
    return "other"


def term_label(term: str) -> str:
    """How a term reads in a sentence: ``#ForumEnergie26``, ``"medivia atlas"``, a watch id."""
    if term.startswith("ngram:"):
        return f"« {term[6:]} »"
    if term.startswith("url:"):
        return term[4:]
    return term
