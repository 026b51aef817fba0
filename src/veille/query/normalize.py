"""Text normalisation shared by the streaming matcher and the SQL compiler.

One definition, two engines. A text becomes a *token stream*: the normalised tokens joined
with single spaces, with a space before and after (``" l entreprise acme "``), so that every
term is a plain substring test with spaces as word boundaries:

1. cap: the first ``MAX_TEXT_CHARS`` code points; NUL becomes a space;
2. fold: NFKD, drop combining marks (category M), casefold, NFKD and drop marks again, NFC
   (``fold``); ``"Élysée ﬁn ß"`` -> ``"elysee fin ss"``;
3. tokenise with ``TOKEN_PATTERN`` (the same regular expression runs in Python ``re`` and in
   DuckDB's RE2): ``@mention`` (letters, digits, ``_``, inner ``.`` and ``-``), ``#hashtag``
   (letters, digits, ``_``), words (runs of Unicode letters and digits, categories L and N);
   everything else separates tokens;
4. French elision: a token start ``l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu'
   quoiqu'`` (straight or typographic apostrophe) is dropped, so ``l'entreprise`` gives
   ``entreprise`` and ``d'Acme`` gives ``acme``.

The SQL side (``veille.query.sql``) folds with DuckDB's ``strip_accents(lower(t))`` and
corrects the few thousand characters where that differs from step 2 with the generated
``SQL_FOLD`` table; ``tests/query`` check every code point and random texts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from veille.query._unicode_tables import MARK_RANGES, WORD_RANGES

#: Texts are cut to this many code points before matching (both engines).
MAX_TEXT_CHARS = 10_000

#: Elided French words, longest first (alternation is leftmost-first in both engines).
ELISIONS = ("lorsqu", "puisqu", "quoiqu", "jusqu", "qu", "c", "d", "j", "l", "m", "n", "s", "t")
APOSTROPHES = "'’"


def _class_body(ranges: Iterable[tuple[int, int]]) -> str:
    parts = []
    for a, b in ranges:
        parts.append(chr(a) if a == b else f"{chr(a)}-{chr(b)}")
    return "".join(parts)


#: The body of a character class of letters and digits (Unicode L* and N*), as literal
#: characters, valid in Python ``re`` and in RE2 alike.
WORD_CLASS = _class_body(WORD_RANGES)

#: The tokeniser (for RE2 in DuckDB). Elided articles come first and are dropped afterwards
#: (RE2 has no look-ahead); an alternative only starts where the previous token ended, so ``l'`` is
#: only an elision at the start of a token (``aujourd'hui`` gives ``aujourd hui``).
TOKEN_PATTERN = (
    "(?:" + "|".join(ELISIONS) + ")[" + APOSTROPHES + "]"
    f"|@[{WORD_CLASS}_]+(?:[.\\-][{WORD_CLASS}_]+)*"
    f"|#[{WORD_CLASS}_]+"
    f"|[{WORD_CLASS}]+"
)
#: A link in the raw text (for ``has:link``), the same in both engines (no flags: Python's
#: and RE2's case-insensitive matching differ on characters such as the Kelvin sign).
LINK_PATTERN = "[hH][tT][tT][pP][sS]?://"

#: The same tokeniser for Python ``re``, faster: ``[^\W_]`` is exactly the letters and
#: digits (L*, N*) and ``\w`` adds ``_`` (checked over every code point in the tests); the
#: look-ahead lets ``re`` skip separators quickly.
_TOKEN_RE = re.compile(
    "(?=[\\w@#])(?:(?:" + "|".join(ELISIONS) + ")[" + APOSTROPHES + "]"
    "|@\\w+(?:[.\\-]\\w+)*|#\\w+|[^\\W_]+)"
)
LINK_RE = re.compile(LINK_PATTERN)


def _decomposes_to_ascii(ch: str) -> bool:
    if unicodedata.category(ch)[0] == "M":
        return False
    return all(
        c.isascii() or unicodedata.category(c)[0] == "M" for c in unicodedata.normalize("NFKD", ch)
    )


#: Texts made only of ASCII, ``’`` and characters whose NFKD is ASCII plus combining marks
#: (``é``, ``ç``, ``ﬁ``, ``²``, no-break space...) take a fast path: NFKD, drop every
#: non-ASCII character (all marks), lower-case. ``’`` becomes ``'`` first: the two are
#: interchangeable for the tokeniser.
_SLOW_CHARS = re.compile(
    "[^\\x00-\\x7f’"
    + "".join(
        chr(i)
        for i in range(0x80, 0x10000)
        if not 0xD800 <= i < 0xE000 and _decomposes_to_ascii(chr(i))
    )
    + "]"
)


def fold(text: str) -> str:
    """Cap, then NFKD, drop combining marks, casefold (see the module docstring). The result
    may differ from ``fold_reference`` in ways the tokeniser does not see (``’`` as ``'``)."""
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    if "\x00" in text:
        text = text.replace("\x00", " ")
    if text.isascii():
        return text.lower()
    if _SLOW_CHARS.search(text) is None:
        if "’" in text:
            text = text.replace("’", "'")
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return fold_reference(text)


def fold_reference(text: str) -> str:
    """The normalisation as specified, without the fast path (no cap)."""
    t = _drop_marks(unicodedata.normalize("NFKD", text))
    t = _drop_marks(unicodedata.normalize("NFKD", t.casefold()))
    return unicodedata.normalize("NFC", t)


def _mark_table() -> npt.NDArray[np.bool_]:
    table = np.zeros(0x110000, dtype=np.bool_)
    for a, b in MARK_RANGES:
        table[a : b + 1] = True
    return table


_IS_MARK = _mark_table()


def _drop_marks(text: str) -> str:
    """``text`` without its combining marks (category M): one table look-up per code point
    (a ``re`` character class of the ranges is about 20 times slower)."""
    if text.isascii():
        return text
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps[~_IS_MARK[cps]].tobytes().decode("utf-32-le", "surrogatepass")


def tokens(text: str | None) -> list[str]:
    """The normalised tokens of ``text`` (elided articles dropped)."""
    if not text:
        return []
    return [tok for tok in _TOKEN_RE.findall(fold(text)) if tok[-1] not in APOSTROPHES]


def stream(text: str | None) -> str:
    """``" " + " ".join(tokens(text)) + " "``: what terms are searched in."""
    return " " + " ".join(tokens(text)) + " "


def ascii_lower(value: str) -> str:
    """Lower-case ASCII identifiers (networks, handles, language codes); other strings are
    returned unchanged, so both engines agree (Unicode lower-casing differs between them)."""
    return value.lower() if value.isascii() else value


_LANG_RE = re.compile(r"[A-Za-z0-9_-]+")


def language_code(*candidates: str | None) -> str | None:
    """The first usable language code among ``candidates``, lower-cased with ``_`` as ``-``:
    a code is usable when it is made of ASCII letters, digits, ``-`` and ``_`` and is not
    ``und`` (undetermined). ``("und", "fr_FR")`` gives ``"fr-fr"``."""
    for value in candidates:
        if value and _LANG_RE.fullmatch(value):
            code = value.lower().replace("_", "-")
            if code != "und":
                return code
    return None
