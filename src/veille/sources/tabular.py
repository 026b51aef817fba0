"""Generic posts from CSV or JSONL files, with a column mapping (``csv`` and ``jsonl``).

Options (``--option key=value``):

- ``network`` (required): ``bluesky``, ``mastodon``, ``web``, ``x`` or ``linkedin``;
- the mapping of canonical fields to columns, either one option per field
  (``--option uri=id --option text=body``) or all at once
  (``--option mapping=uri:id,text:body`` or a JSON object). Fields: ``uri`` (or ``post_id``
  with ``uri_template``), ``author_id`` and ``created_at`` are required; ``post_id``,
  ``text``, ``lang``, ``reply_to``, ``reply_root``, ``quote_of``, ``repost_of``,
  ``mentions``, ``hashtags``, ``urls`` (lists: a JSON list, or text split on
  ``list_separator``), ``author_handle``, ``author_name`` (an ``Account``) and ``likes``,
  ``reposts``, ``replies``, ``quotes`` (a ``PostMetrics`` at import time) are optional.
  Without any, the mapping is the identity for ``uri``, ``author_id``, ``created_at`` and
  ``text``; a mapping given replaces it whole.
  In JSONL, a column may be a dotted path into nested objects (``user.id``);
- ``uri_template``: builds the URI from ``{post_id}`` and ``{author_id}`` when the file
  has no URI column (``https://example.org/p/{post_id}``);
- ``time_format``: a ``strptime`` format for ``created_at`` (default: ISO 8601, Twitter's
  format, or epoch seconds or milliseconds);
- ``delimiter``: the CSV separator (default: guessed among ``,`` ``;`` tab ``|``).

For CSV, every mapped column must be in the header (else one reject names the file and the
missing columns, and its rows are skipped). A raw item carries the row (CSV: the mapped
columns only; JSONL: the line untouched) with the mapping, so that mapping it again later
needs nothing else.
"""

from __future__ import annotations

import json
import re
from abc import abstractmethod
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from veille.i18n import register, t
from veille.model import NETWORKS, Account, Post, PostMetrics, Record, parse_time, utcnow
from veille.sources.base import (
    DECODE_ERRORS,
    MAX_ITEM_BYTES,
    Importer,
    MappingError,
    RawItem,
    Reject,
    decode_problem,
)
from veille.sources.io.containers import Member
from veille.sources.io.members import (
    jsonl_members,
    member_csv_rows,
    member_json_lines,
    sniff_delimiter,
)

register(
    {
        "tab.no_network": (
            "{where} : indiquez le réseau de ces publications : --option network=NOM ({known})",
            "{where}: say which network these posts are from: --option network=NAME ({known})",
        ),
        "tab.missing_field": (
            "champ {field} vide ou absent (colonne {column!r})",
            "empty or missing {field} (column {column!r})",
        ),
        "tab.bad_value": (
            "{field} illisible (colonne {column!r}) : {value!r}",
            "unreadable {field} (column {column!r}): {value!r}",
        ),
        "tab.bad_item": (
            "élément {format} invalide : {error}",
            "invalid {format} item: {error}",
        ),
    }
)

REQUIRED = ("author_id", "created_at")
TEXT_FIELDS = (
    "uri",
    "post_id",
    "author_id",
    "text",
    "lang",
    "reply_to",
    "reply_root",
    "quote_of",
    "repost_of",
    "author_handle",
    "author_name",
)
LIST_FIELDS = ("mentions", "hashtags", "urls")
COUNT_FIELDS = ("likes", "reposts", "replies", "quotes")
FIELDS = (*TEXT_FIELDS, "created_at", *LIST_FIELDS, *COUNT_FIELDS)
DEFAULT_MAPPING = {
    "uri": "uri",
    "author_id": "author_id",
    "created_at": "created_at",
    "text": "text",
}
_TEMPLATE_FIELD = re.compile(r"\{(\w*)\}")


def parse_mapping(value: object) -> dict[str, str]:
    """A mapping from a dict, a JSON object, or ``field:column,field:column``."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError("expected field:column pairs or a JSON object")
    text = value.strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if not isinstance(loaded, dict):
            raise ValueError("expected a JSON object")
        return {str(k): str(v) for k, v in loaded.items()}
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        field, sep, column = part.partition(":")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"expected field:column, got {part!r}")
        pairs[field.strip()] = column.strip()
    return pairs


class TabularOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    network: str | None = Field(default=None, description=f"One of {', '.join(NETWORKS)}.")
    mapping: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_MAPPING),
        description="Canonical field -> column (field:column,... or JSON); one "
        "--option FIELD=COLUMN per field also works.",
    )
    uri_template: str | None = Field(
        default=None, description="Builds the URI from {post_id} and {author_id}."
    )
    time_format: str | None = Field(default=None, description="strptime format of dates.")
    list_separator: str | None = Field(
        default=None, description="Separator of list cells (default: spaces, commas, | or ;)."
    )
    delimiter: str | None = Field(default=None, description="CSV separator (default: guessed).")
    max_item_bytes: int = Field(default=MAX_ITEM_BYTES, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _collect_fields(cls, data: Any) -> Any:
        """``--option text=body``: canonical field names given as options join the
        mapping; other unknown options are errors."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        mapping = parse_mapping(data.pop("mapping")) if "mapping" in data else None
        extra = {k: data.pop(k) for k in list(data) if k in FIELDS}
        unknown = [k for k in data if k not in cls.model_fields]
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}")
        if mapping is not None or extra:
            # an explicit mapping replaces the default one (no hidden required column)
            base = mapping if mapping is not None else {}
            base.update({k: str(v) for k, v in extra.items()})
            data["mapping"] = base
        return data

    @field_validator("network")
    @classmethod
    def _network(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if value not in NETWORKS:
            raise ValueError(f"unknown network {value!r} (known: {', '.join(NETWORKS)})")
        return value

    @field_validator("mapping")
    @classmethod
    def _mapping(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in value if k not in FIELDS]
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; fields: {', '.join(FIELDS)}")
        empty = [k for k, v in value.items() if not v.strip()]
        if empty:
            raise ValueError(f"no column given for {', '.join(empty)}")
        return value

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value in ("tab", "\\t"):
            return "\t"
        if len(value) != 1:
            raise ValueError("the delimiter is one character (or 'tab')")
        return value

    @model_validator(mode="after")
    def _complete(self) -> TabularOptions:
        missing = [f for f in REQUIRED if f not in self.mapping]
        if "uri" not in self.mapping and not (self.uri_template and "post_id" in self.mapping):
            missing.insert(0, "uri (or post_id with uri_template)")
        if missing:
            raise ValueError(
                f"the mapping has no column for {', '.join(missing)} "
                f"(mapping: {self.mapping}); e.g. --option uri=COLUMN"
            )
        if self.uri_template is not None:
            names = set(_TEMPLATE_FIELD.findall(self.uri_template))
            if not names or not names <= {"post_id", "author_id"}:
                raise ValueError("uri_template may use {post_id} and {author_id} only")
        return self


def _lookup(row: dict[str, Any], column: str) -> Any:
    if column in row:
        return row[column]
    if "." not in column:
        return None
    value: Any = row
    for part in column.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


_SPLIT = re.compile(r"[\s,;|]+")


def _items(value: Any, separator: str | None) -> list[str]:
    raw: list[str | None]
    if isinstance(value, list):
        raw = [_text(v) for v in value]
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text)
            except (ValueError, RecursionError):
                loaded = None
            if isinstance(loaded, list):
                return _items(loaded, separator)
        parts = text.split(separator) if separator else _SPLIT.split(text)
        raw = [r.strip() for r in parts]
    else:
        return []
    out: list[str] = []
    for item in raw:
        if item and item not in out:
            out.append(item)
    return out


def _time(value: Any, time_format: str | None) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) > 1e11 else value
        return parse_time(seconds)
    text = str(value).strip()
    if not text:
        return None
    if time_format:
        try:
            parsed = datetime.strptime(text, time_format)
        except ValueError:
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return _time(float(text), None)
    return parse_time(text)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip().replace("\u202f", "").replace(" ", "")
    return int(text) if text.isascii() and text.isdigit() else None  # not "²"


def map_row(
    row: dict[str, Any], options: TabularOptions, observed_at: datetime, *, source: str
) -> list[Record]:
    """Records of one row under ``options`` (network and mapping)."""
    network = options.network
    if network is None:
        raise MappingError(t("tab.bad_item", format=source, error="no network"))
    mapping = options.mapping

    def get(field: str) -> Any:
        column = mapping.get(field)
        return _lookup(row, column) if column else None

    def need(field: str) -> str:
        value = _text(get(field))
        if value is None:
            raise MappingError(t("tab.missing_field", field=field, column=mapping.get(field)))
        return value

    author_id = need("author_id")
    post_id = _text(get("post_id"))
    uri = _text(get("uri"))
    if uri is None and options.uri_template and post_id:
        uri = options.uri_template.format(post_id=post_id, author_id=author_id)
    if uri is None:
        raise MappingError(t("tab.missing_field", field="uri", column=mapping.get("uri")))
    raw_time = get("created_at")
    created_at = _time(raw_time, options.time_format)
    if created_at is None:
        raise MappingError(
            t(
                "tab.bad_value",
                field="created_at",
                column=mapping.get("created_at"),
                value=str(raw_time)[:100],
            )
        )
    separator = options.list_separator
    records: list[Record] = []
    handle, name = _text(get("author_handle")), _text(get("author_name"))
    if handle or name:
        records.append(
            Account(
                network=network,
                account_id=author_id,
                handle=handle,
                display_name=name,
                first_seen=observed_at,
            )
        )
    records.append(
        Post(
            uri=uri,
            network=network,
            post_id=post_id or uri,
            author_id=author_id,
            created_at=created_at,
            collected_at=observed_at,
            text=_text(get("text")),
            lang=_text(get("lang")),
            reply_to=_text(get("reply_to")),
            reply_root=_text(get("reply_root")),
            quote_of=_text(get("quote_of")),
            repost_of=_text(get("repost_of")),
            mentions=_items(get("mentions"), separator),
            hashtags=[h.lstrip("#") for h in _items(get("hashtags"), separator)],
            urls=_items(get("urls"), separator),
            source=source,
        )
    )
    counts = {f: _count(get(f)) for f in COUNT_FIELDS if f in mapping}
    if any(v is not None for v in counts.values()):
        records.append(PostMetrics(uri=uri, observed_at=observed_at, **counts))
    return records


def _options_json(options: TabularOptions) -> bytes:
    return msgspec.json.encode(
        {
            "network": options.network,
            "mapping": options.mapping,
            "uri_template": options.uri_template,
            "time_format": options.time_format,
            "list_separator": options.list_separator,
        }
    )


class _Tabular(Importer):
    network: ClassVar[str] = "any"
    Options = TabularOptions  # type: ignore[assignment]

    def _settings(self) -> TabularOptions:
        return TabularOptions.model_validate(self.options.model_dump())

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        options = self._settings()
        if options.network is None:
            yield Reject(
                source=self.id,
                origin=str(path),
                reason=t("tab.no_network", where=path, known=", ".join(NETWORKS)),
            )
            return
        head = _options_json(options)
        received = utcnow()
        for member in jsonl_members(path, self.id):
            if isinstance(member, Reject):
                yield member
                continue
            yield from self._read_member(member, options, head, received)

    @abstractmethod
    def _read_member(
        self, member: Member, options: TabularOptions, head: bytes, received: datetime
    ) -> Iterator[RawItem | Reject]:
        """The raw items of one file (``head``: the options, as every item carries them)."""

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        try:
            item = _decode_item(raw.payload)
        except DECODE_ERRORS as exc:
            raise MappingError(
                t("tab.bad_item", format=cls.id, error=decode_problem(exc))
            ) from None
        try:
            options = _options(bytes(item.options))
        except ValueError as exc:
            raise MappingError(t("tab.bad_item", format=cls.id, error=exc)) from exc
        return map_row(item.row, options, raw.received_at, source=cls.id)


def _item_json(options: bytes, row: bytes) -> bytes:
    """A raw item of these importers: the options it is mapped with, and the row."""
    return b'{"options":%s,"row":%s}' % (options, row)


class _Item(msgspec.Struct):
    options: msgspec.Raw
    row: dict[str, Any]


_decode_item = msgspec.json.Decoder(_Item).decode


@lru_cache(maxsize=64)
def _options(data: bytes) -> TabularOptions:
    """The options of a raw item (validated once per distinct mapping)."""
    return TabularOptions.model_validate_json(data)


class CsvImporter(_Tabular):
    """Import posts from CSV files with a column mapping."""

    id: ClassVar[str] = "csv"
    description: ClassVar[str] = (
        "Posts from CSV files: --option network=NAME and a column mapping "
        "(--option uri=COL --option text=COL ...)"
    )

    def _read_member(
        self, member: Member, options: TabularOptions, head: bytes, received: datetime
    ) -> Iterator[RawItem | Reject]:
        columns = list(dict.fromkeys(options.mapping.values()))
        for entry in member_csv_rows(
            member,
            self.id,
            columns,
            delimiter=options.delimiter or sniff_delimiter(member),
            max_bytes=options.max_item_bytes,
        ):
            if isinstance(entry, Reject):
                yield entry
                continue
            line, row = entry
            kept = msgspec.json.encode({c: row.get(c, "") for c in columns})
            yield RawItem.of_json(
                self.id, f"{member.where}:{line}", _item_json(head, kept), received
            )


class JsonlImporter(_Tabular):
    """Import posts from JSONL files (one object per line) with a field mapping."""

    id: ClassVar[str] = "jsonl"
    description: ClassVar[str] = (
        "Posts from JSONL files (one object per line): --option network=NAME and a field "
        "mapping (dotted paths allowed: --option author_id=user.id ...)"
    )

    def _read_member(
        self, member: Member, options: TabularOptions, head: bytes, received: datetime
    ) -> Iterator[RawItem | Reject]:
        for item in member_json_lines(
            member, self.id, max_bytes=options.max_item_bytes, received_at=received
        ):
            if not isinstance(item, Reject):
                item.payload = msgspec.Raw(_item_json(head, bytes(item.payload)))
            yield item


CONNECTORS = [CsvImporter, JsonlImporter]
