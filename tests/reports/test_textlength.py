"""Post lengths per network, counted by hand: graphemes (emoji with modifiers, flags, ZWJ
sequences, combining marks), twitter-text v3 weights (URLs 23, CJK and emoji 2) and
Mastodon's URL and remote-mention rules."""

from __future__ import annotations

import pytest

from veille.reports.textlength import (
    grapheme_count,
    is_emoji,
    mastodon_length,
    post_length,
    truncate_to,
    x_weighted_length,
)

URL = "https://exemple.fr/un/chemin/assez/long/pour/depasser/vingt-trois"

# text, graphemes, X weighted length, Mastodon length
CASES = [
    ("bonjour", 7, 7, 7),
    ("👍🏽", 1, 2, 1),  # emoji + skin-tone modifier: one grapheme, one emoji
    ("🇫🇷", 1, 2, 1),  # flag: two regional indicators
    ("🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f", 1, 2, 1),  # England
    ("👨‍👩‍👧", 1, 2, 1),  # ZWJ family
    ("1️⃣", 1, 2, 1),  # keycap
    ("e\u0301", 1, 1, 1),  # combining acute: NFC makes it one code point for X
    ("Z\u0335\u0336", 1, 3, 1),  # two combining marks with no precomposed form
    ("日本語", 3, 6, 3),  # CJK weighs 2 on X
    ("©", 1, 2, 1),  # a text-default emoji is an emoji for twitter-text
    ("123 #*", 6, 6, 6),  # digits, '#' and '*' are text, not emoji
    ("“ok” — …", 8, 9, 8),  # U+201C/D and U+2014 are light; U+2026 (…) weighs 2 on X
    (URL, len(URL), 23, 23),
    (f"voir {URL} !", len(URL) + 7, 23 + 7, 23 + 7),
    ("exemple.fr/page", 15, 23, 15),  # X links bare domains; Mastodon needs a scheme
    ("@alice@mastodon.social merci", 28, 28, 12),  # remote mention counts as @alice
]


@pytest.mark.parametrize(("text", "graphemes", "x", "mastodon"), CASES)
def test_lengths_by_hand(text: str, graphemes: int, x: int, mastodon: int) -> None:
    assert grapheme_count(text) == graphemes
    assert x_weighted_length(text) == x
    assert mastodon_length(text) == mastodon
    assert post_length(text, "bluesky").value == graphemes
    assert post_length(text, "linkedin").value == graphemes


def test_limits_at_the_boundary() -> None:
    assert post_length("a" * 280, "x").valid and not post_length("a" * 281, "x").valid
    assert post_length("日" * 140, "x").valid and not post_length("日" * 141, "x").valid
    # 300 emoji with modifiers are 600 code points but 300 graphemes
    assert post_length("👍🏽" * 300, "bluesky").valid
    assert not post_length("👍🏽" * 301, "bluesky").valid
    assert post_length("a" * 476 + " " + URL, "mastodon").value == 500
    assert not post_length("a" * 477 + " " + URL, "mastodon").valid
    assert post_length("e\u0301" * 3000, "linkedin").valid  # 6,000 code points
    assert not post_length("e\u0301" * 3001, "linkedin").valid


def test_x_refuses_invalid_characters() -> None:
    length = post_length("bonjour\ufeff", "x")
    assert not length.valid and length.invalid_chars == ("U+FEFF",)


def test_emoji_detection() -> None:
    assert is_emoji("👍🏽") and is_emoji("🇫🇷") and is_emoji("#️⃣")
    assert not is_emoji("#") and not is_emoji("7") and not is_emoji("é")


@pytest.mark.parametrize("network", ["bluesky", "x", "mastodon", "linkedin"])
def test_truncate_fits_and_keeps_graphemes_whole(network: str) -> None:
    text = "Été 👨‍👩‍👧 日本 " * 400
    cut = truncate_to(text, network)
    assert post_length(cut, network).valid and cut.endswith("…")
    assert "\u200d…" not in cut  # never inside a ZWJ sequence
    short = "court"
    assert truncate_to(short, network) == short
