"""Helpers shared by the importer tests (``tests/sources``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from veille.i18n import language
from veille.model import Record
from veille.sources.base import Importer, MappingError, RawItem, Reject

R = TypeVar("R")


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Messages in English, whatever the machine's locale."""
    monkeypatch.setenv("VEILLE_LANG", "en")
    language.cache_clear()
    yield
    language.cache_clear()


def read_all(importer: Importer) -> tuple[list[RawItem], list[Reject]]:
    items: list[RawItem] = []
    rejects: list[Reject] = []
    for entry in importer.fetch():
        if isinstance(entry, Reject):
            rejects.append(entry)
        else:
            assert isinstance(entry, RawItem)
            items.append(entry)
    return items, rejects


def map_all(
    cls: type[Importer], items: list[RawItem]
) -> tuple[list[Record], list[tuple[RawItem, MappingError]]]:
    records: list[Record] = []
    errors: list[tuple[RawItem, MappingError]] = []
    for item in items:
        try:
            records.extend(cls.to_records(item))
        except MappingError as exc:
            errors.append((item, exc))
    return records, errors


def of_type(records: list[Record], kind: type[R]) -> list[R]:
    return [r for r in records if isinstance(r, kind)]


def write_jsonl(path: Path, values: list[Any]) -> Path:
    path.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values))
    return path
