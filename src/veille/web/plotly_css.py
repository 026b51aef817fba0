"""plotly.js's own style rules as a stylesheet, so that the strict Content-Security-Policy
(no inline style) holds on pages with charts.

plotly.js injects its rules into a ``<style id="plotly.js-style-global">`` element unless
that element exists with the class ``no-inline-styles``; the pages link this stylesheet
under that id. The rules are read from the ``plotly.min.js`` of the installed plotly wheel
(the object literal that its ``addStyleRule`` loop walks), so they match its version.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_START = '{"X,X div":'
_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')


def _literal(source: str) -> str:
    start = source.index(_START)
    depth = 0
    quote = ""
    for i in range(start, len(source)):
        char = source[i]
        if quote:
            if char == "\\":
                continue
            if char == quote and source[i - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return source[start : i + 1]
    raise ValueError("plotly.min.js: the style rules' end was not found")


@cache
def plotly_css(script: Path) -> str:
    literal = _literal(script.read_text(encoding="utf-8"))
    rules = []
    for key, single, double in _PAIR.findall(literal):
        selector = re.sub(r"^,", " ,", key)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        body = single or double
        rules.append(f"{selector}{{{body}}}")
    if len(rules) < 20:
        raise ValueError(f"plotly.min.js: only {len(rules)} style rules found")
    return "\n".join(rules) + "\n"


_GUARD = re.compile(r'if\(!document\.getElementById\("([0-9a-f]{64})"\)\)')


@cache
def inline_style_guards(script: Path) -> tuple[str, ...]:
    """Ids whose presence stops plotly.min.js from injecting bundled stylesheets (maplibre's,
    for map traces that veille does not draw) into a ``<style>`` element at load."""
    return tuple(_GUARD.findall(script.read_text(encoding="utf-8")))
