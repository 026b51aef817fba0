"""Tabular output shared by the analytics commands: a Rich table, JSON, CSV or Markdown.

Every string from the data is escaped before Rich sees it (a post or a name may hold
``[link=...]`` or ``[/]``); missing figures print as "n/a" in tables and as ``null`` in
JSON, never as NaN.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from veille.cli.common import DataTable, console, print_json


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def cell(value: Any, key: str = "") -> str:
    """A value as text for a table: numbers rounded, shares (keys ending in ``share``) as
    percentages, times in ISO 8601, nothing as n/a."""
    if isinstance(value, float) and key.endswith("share") and math.isfinite(value):
        return f"{100 * value:.1f} %"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return str(value)


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    fmt: TableFormat | str,
    *,
    title: str | None = None,
    json_value: Any = None,
) -> None:
    """Print ``rows`` (dicts) in ``fmt``. ``columns`` are (key, header) pairs for the
    table, CSV and Markdown forms; JSON prints ``json_value`` when given, else the rows."""
    fmt = TableFormat(fmt)
    if fmt is TableFormat.json:
        print_json(rows if json_value is None else json_value)
        return
    if fmt is TableFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([header for _, header in columns])
        for row in rows:
            writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in columns])
        sys.stdout.write(buffer.getvalue())
        return
    if fmt is TableFormat.md:
        if title:
            sys.stdout.write(f"### {title}\n\n")
        sys.stdout.write("| " + " | ".join(h for _, h in columns) + " |\n")
        sys.stdout.write("|" + "|".join(" --- " for _ in columns) + "|\n")
        for row in rows:
            values = [
                cell(row.get(k), k).replace("|", "\\|").replace("\n", " ") for k, _ in columns
            ]
            sys.stdout.write("| " + " | ".join(values) + " |\n")
        return
    table = DataTable(*(h for _, h in columns), title=title or None)
    for row in rows:
        table.add_row(*(cell(row.get(k), k) for k, _ in columns))
    console.print(table)
