"""Adding and editing a watch in ``veille.toml`` (the dashboard's Listening page).

The file stays the user's: only the ``[[watches]]`` block of the watch is written or
replaced, everything else (comments, order, other sections) is kept byte for byte. The new
text is validated as a whole (``parse_config``) before it replaces the file, atomically.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

from veille.errors import UsageError
from veille.query.parser import parse
from veille.workspace.config import SLUG, VeilleConfig, parse_config

_HEADER = re.compile(r"^\s*\[{1,2}\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]{1,2}\s*(#.*)?$")


def _blocks(text: str) -> list[tuple[int, int, str]]:
    """(start, end, table name) of every table block, by character offsets."""
    lines = text.splitlines(keepends=True)
    heads: list[tuple[int, str]] = []
    offset = 0
    for line in lines:
        match = _HEADER.match(line)
        if match:
            heads.append((offset, match.group(1)))
        offset += len(line)
    out = []
    for i, (start, name) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        out.append((start, end, name))
    return out


def _watch_block(text: str, watch_id: str) -> tuple[int, int] | None:
    for start, end, name in _blocks(text):
        if name != "watches":
            continue
        body = text[start:end]
        try:
            data = tomllib.loads(body)
        except tomllib.TOMLDecodeError:
            continue
        items = data.get("watches") or [{}]
        if items and items[0].get("id") == watch_id:
            return start, end
    return None


def _render(watch_id: str, name: str | None, query: str, alert: bool) -> str:
    lines = ["[[watches]]", f"id = {json.dumps(watch_id)}"]
    if name:
        lines.append(f"name = {json.dumps(name, ensure_ascii=False)}")
    lines.append(f"query = {json.dumps(query, ensure_ascii=False)}")
    lines.append(f"alert = {'true' if alert else 'false'}")
    return "\n".join(lines) + "\n\n"


def save_watch(
    path: Path,
    watch_id: str,
    query: str,
    *,
    name: str | None = None,
    alert: bool | None = None,
    create: bool,
) -> VeilleConfig:
    """Create (``create``) or replace the watch ``watch_id`` in the config file at ``path``;
    return the validated new config. Raises ``UsageError`` naming the field."""
    if not re.match(SLUG, watch_id):
        raise UsageError(
            f"id: {watch_id!r} is not a valid id",
            hint="Lower-case letters, digits, '-' and '_', starting with a letter or digit.",
        )
    if not query.strip():
        raise UsageError("query: the query is empty")
    parse(query)  # QuerySyntaxError (a UsageError) with its position
    text = path.read_text(encoding="utf-8")
    found = _watch_block(text, watch_id)
    if create and found is not None:
        raise UsageError(f"id: a watch {watch_id!r} already exists")
    if not create and found is None:
        raise UsageError(f"id: no watch {watch_id!r}")
    if found is None:
        sep = "" if text.endswith("\n\n") or not text else ("\n" if text.endswith("\n") else "\n\n")
        new_text = text + sep + _render(watch_id, name, query, bool(alert))
    else:
        start, end = found
        old = tomllib.loads(text[start:end])["watches"][0]
        keep_alert = bool(old.get("alert", False)) if alert is None else alert
        new_text = text[:start] + _render(watch_id, name, query, keep_alert) + text[end:]
    config = parse_config(new_text, path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)
    return config
