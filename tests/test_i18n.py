from __future__ import annotations

import string

import veille.cli.app  # noqa: F401  (imports every module that registers messages)
from veille.i18n import CATALOGUE


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_french_and_english_with_the_same_fields() -> None:
    assert CATALOGUE
    for key, (fr, en) in CATALOGUE.items():
        assert fr.strip() and en.strip(), key
        assert fields(fr) == fields(en), key
