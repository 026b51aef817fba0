"""French and English for the interface. The language comes from ``VEILLE_LANG``, else from
``LC_ALL``/``LC_MESSAGES``/``LANG`` (``fr*`` gives French), else English.

Messages live in one catalogue, keyed by a short id; ``t(id, **values)`` formats one."""

from __future__ import annotations

import os
from functools import cache

CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (français, English)
}


@cache
def language() -> str:
    for var in ("VEILLE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def t(key: str, **values: object) -> str:
    """The message ``key`` in the interface language, formatted with ``values``."""
    fr, en = CATALOGUE[key]
    template = fr if language() == "fr" else en
    return template.format(**values)


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add messages (modules register their own at import time)."""
    for key, pair in messages.items():
        if key in CATALOGUE and CATALOGUE[key] != pair:
            raise ValueError(f"message id {key!r} registered twice with different texts")
        CATALOGUE[key] = pair
