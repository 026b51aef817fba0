"""How long a post is, the way each network counts it.

- **Bluesky**: grapheme clusters of the text (the lexicon's ``maxGraphemes: 300``); a URL
  counts for what it is written as.
- **X**: the weighted length of twitter-text's configuration v3: the text is put in NFC,
  each URL counts ``transformedURLLength`` (23), each emoji sequence (a flag, a keycap, a
  skin-tone or ZWJ sequence, a text-default symbol such as ``©``) counts the default
  weight (2), and every other code point counts 1 when it lies in one of the light ranges
  (U+0000-U+10FF Latin to Georgian, U+2000-U+200D spaces, U+2010-U+201F hyphens and
  quotes, U+2032-U+2037 primes) and 2 otherwise (CJK, most symbols). Limit 280 (weights
  are in hundredths, ``scale`` 100, as in twitter-text). U+FFFE, U+FEFF and U+FFFF make a
  tweet invalid.
- **Mastodon**: grapheme clusters (as the server's ``StatusLengthValidator`` counts),
  where each ``http(s)`` URL counts 23 and a remote mention ``@user@domain`` counts as
  ``@user``. Limit 500 (the default of an instance).
- **LinkedIn**: grapheme clusters, limit 3,000.

Grapheme clusters come from the ``regex`` module's ``\\X`` (extended grapheme clusters of
its current Unicode version), never from code points: ``👍🏽`` is one, ``🇫🇷`` is one,
``e`` + U+0301 is one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

NETWORK_LIMITS: dict[str, int] = {"bluesky": 300, "x": 280, "mastodon": 500, "linkedin": 3000}
#: How each network's limit is counted (for messages).
UNITS: dict[str, str] = {
    "bluesky": "graphemes",
    "x": "weighted characters",
    "mastodon": "characters",
    "linkedin": "characters",
}

# twitter-text configuration v3 (config/v3.json)
X_SCALE = 100
X_DEFAULT_WEIGHT = 200
X_URL_LENGTH = 23
X_MAX_WEIGHTED = 280
X_RANGES: tuple[tuple[int, int, int], ...] = (
    (0x0000, 0x10FF, 100),
    (0x2000, 0x200D, 100),
    (0x2010, 0x201F, 100),
    (0x2032, 0x2037, 100),
)
X_INVALID = frozenset("\ufffe\ufeff\uffff")
MASTODON_URL_LENGTH = 23

_GRAPHEME = regex.compile(r"\X")
_KEYCAP = regex.compile(r"^[0-9#*]\ufe0f?\u20e3$")
_EMOJI_BASE = regex.compile(r"^\p{Emoji}")
_FLAG = regex.compile(r"^\p{Regional_Indicator}{2}$")

# A URL with a scheme, ending before trailing punctuation.
_SCHEME_URL = r"https?://[^\s<>\"'\u3000]+[^\s<>\"'\u3000.,;:!?)\]}»”’]"
# twitter-text also links bare domains with a known TLD (a short list of the common ones)
_TLDS = (
    "com|org|net|edu|gov|int|info|biz|io|co|ai|app|dev|fr|be|ch|ca|de|es|it|uk|eu|us|nl|"
    "pt|lu|ma|sn|tn|dz|jp|cn|in|br|me|tv|ly|gl|news|blog|social|tech|online|site|xyz"
)
_BARE_URL = (
    rf"(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})(?![\w-])"
    r"(?::\d{1,5})?(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]}])?"
)
X_URL = regex.compile(rf"{_SCHEME_URL}|{_BARE_URL}", regex.IGNORECASE)
HTTP_URL = regex.compile(_SCHEME_URL, regex.IGNORECASE)
_REMOTE_MENTION = regex.compile(
    r"(?<![\w@])(@[a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)@[\w.-]+\w", regex.IGNORECASE
)


@dataclass(frozen=True)
class Length:
    """A text's length on a network: ``value`` against ``limit``, in ``unit``; ``valid``
    is false when it is too long or holds characters the network refuses."""

    network: str
    value: int
    limit: int
    unit: str
    invalid_chars: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.value <= self.limit and not self.invalid_chars


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text``."""
    return [str(x) for x in _GRAPHEME.findall(text)]


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def is_emoji(cluster: str) -> bool:
    """Whether a grapheme cluster is an emoji sequence as twitter-text's emoji parser
    (twemoji) sees it: flags, keycaps, and clusters whose base has the Emoji property
    (plain digits, ``#`` and ``*`` have it too but are text)."""
    if not cluster:
        return False
    if _FLAG.match(cluster) or _KEYCAP.match(cluster):
        return True
    if cluster[0] in "0123456789#*":
        return False
    return bool(_EMOJI_BASE.match(cluster))


def _code_point_weight(char: str) -> int:
    code = ord(char)
    for start, end, weight in X_RANGES:
        if start <= code <= end:
            return weight
    return X_DEFAULT_WEIGHT


def x_weighted_length(text: str) -> int:
    """twitter-text v3 ``parseTweet(text).weightedLength``."""
    normal = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in X_URL.finditer(normal):
        total += _x_plain_weight(normal[position : match.start()])
        total += X_URL_LENGTH * X_SCALE
        position = match.end()
    total += _x_plain_weight(normal[position:])
    return total // X_SCALE


def _x_plain_weight(text: str) -> int:
    total = 0
    for cluster in _GRAPHEME.findall(text):
        if is_emoji(cluster):
            total += X_DEFAULT_WEIGHT
        else:
            total += sum(_code_point_weight(c) for c in cluster)
    return total


def mastodon_length(text: str) -> int:
    """Mastodon's countable length: URLs count 23, ``@user@domain`` counts as ``@user``."""
    countable = HTTP_URL.sub("x" * MASTODON_URL_LENGTH, text)
    countable = _REMOTE_MENTION.sub(lambda m: m.group(1), countable)
    return grapheme_count(countable)


def post_length(text: str, network: str) -> Length:
    """The length of ``text`` on ``network`` (bluesky, x, mastodon, linkedin)."""
    limit = NETWORK_LIMITS[network]
    if network == "x":
        normal = unicodedata.normalize("NFC", text)
        bad = tuple(sorted({f"U+{ord(c):04X}" for c in normal if c in X_INVALID}))
        return Length(network, x_weighted_length(text), limit, UNITS[network], bad)
    if network == "mastodon":
        return Length(network, mastodon_length(text), limit, UNITS[network])
    return Length(network, grapheme_count(text), limit, UNITS[network])


def truncate_to(text: str, network: str, limit: int | None = None, ellipsis: str = "…") -> str:
    """The longest prefix of ``text`` (cut on a grapheme, ending with ``ellipsis`` when
    cut) whose length on ``network`` is within ``limit`` (the network's limit)."""
    cap = NETWORK_LIMITS[network] if limit is None else limit
    if post_length(text, network).value <= cap:
        return text
    clusters = graphemes(text)
    low, high = 0, len(clusters)
    while low < high:  # the longest prefix that fits, by bisection on clusters
        mid = (low + high + 1) // 2
        candidate = "".join(clusters[:mid]).rstrip() + ellipsis
        if post_length(candidate, network).value <= cap:
            low = mid
        else:
            high = mid - 1
    return "".join(clusters[:low]).rstrip() + ellipsis
