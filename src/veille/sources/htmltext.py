"""Plain text of an HTML fragment, with an HTML parser (the standard library's
``html.parser``), never a regular expression.

- the bodies of ``<script>``, ``<style>``, ``<template>``, ``<noscript>`` and of comments
  are not text: they are dropped whole;
- a bare ``<`` that opens no tag (``a < b``) stays text, as browsers show it;
- block elements (``p``, ``div``, ``li``, headings, ``br``, table rows...) end a line;
  spaces and line breaks of the source fold into one space, as in a browser;
- character references are decoded once (``&amp;lt;`` gives ``&lt;``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose content is not text.
_HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "svg", "math"})
#: Elements that end a line before and after them.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr",
        "ul",
    }
)  # fmt: skip
_SPACE = re.compile(r"[ \t\n\r\f\v]+")


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(_SPACE.sub(" ", data))


def html_to_text(fragment: str) -> str:
    """The text a reader sees in ``fragment`` (see the module docstring)."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return plain_text(fragment)
    parser = _TextParser()
    try:
        parser.feed(fragment)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        return plain_text(fragment)
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(_SPACE.sub(" ", line) for line in lines if line)


def plain_text(text: str) -> str:
    """Text that is already plain: spaces folded per line, blank lines dropped, nothing
    else touched (``<blink>`` in a ``text/plain`` title stays ``<blink>``)."""
    if not text:
        return ""
    lines = (_SPACE.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
