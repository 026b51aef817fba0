"""What every connector is: a small declarative class (id, kind, options, fetch, map).

A connector yields ``RawItem`` (or ``Reject`` for input it cannot read) from ``fetch``; the
ingest driver appends raw items to the raw log *before* mapping them, then calls the pure
``to_records`` to get canonical records (``veille.model``). ``to_records`` must depend on
nothing but the raw item, so that ``veille rebuild`` can replay the raw log through it.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from veille.errors import UsageError
from veille.model import PLUGIN_NETWORKS, Record

# RawItem and Reject live on the ground floor (the raw log and the rejects file of ``store/``
# hold them); they stay importable from here, the connectors' module.
from veille.model import RawItem as RawItem
from veille.model import Reject as Reject

#: Items larger than this are rejected before parsing (a 1 MB "post" is an attack or a bug).
MAX_ITEM_BYTES = 512 * 1024

#: What decoding untrusted JSON raises: bad syntax, a value of the wrong shape, and nesting
#: deeper than the decoder recurses (msgspec and ``json`` raise ``RecursionError`` from
#: about 1,000 levels: a 2 KB line). Every decoder of input catches all three.
DECODE_ERRORS: tuple[type[Exception], ...] = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    RecursionError,
)


def decode_problem(exc: BaseException) -> str:
    """What was wrong with JSON that did not decode, in words."""
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply (about 1,000 levels or more)"
    return str(exc)


class SourceFailure(Reject, kw_only=True):
    """What a live connector could not fetch (a host unreachable, an HTTP error, a time
    limit): not bad data, so never written to the rejects file. The collection flow counts
    these per source, reports them with their cause (``veille collect``, ``status``) and
    exits non-zero when every source failed. ``origin`` is what was not fetched (a URL, an
    account), ``reason`` why."""


def fetch_failure(source: str, origin: str, exc: BaseException) -> SourceFailure:
    """The ``SourceFailure`` of a fetch that raised ``exc`` (its message, never a secret)."""
    reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
    return SourceFailure(source=source, origin=origin, reason=str(reason))


ConnectorKind = Literal["stream", "poll", "import"]


class MappingError(ValueError):
    """Raised by ``to_records`` for a raw item that is well-formed JSON but not a valid
    item of its format (missing field, wrong type, unknown event type...)."""


class SourceSettings(BaseModel):
    """A ``[sources.<section>]`` table of ``veille.toml``, validated by the model of the
    connectors that read it (connectors reading one section share its model). Errors name
    the line, like every error of ``veille.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Collect from this source.")


@dataclass(frozen=True)
class SourceContext:
    """What a live connector builds itself from: its validated ``[sources.<section>]``, the
    registry's accounts per network, and what the command asks for."""

    settings: SourceSettings
    tracked: Mapping[str, set[str]]
    cache_dir: Path
    since: datetime | None = None
    max_seconds: float | None = None
    stop: threading.Event | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: ``(network, post_id) -> uri`` of a stored post (deletes that carry only a local id).
    find_post: Callable[[str, str], str | None] | None = None


class Connector(ABC):
    """Base of every connector. Subclasses set the class attributes and implement both
    methods. Register them through the ``veille_connectors`` plugin hook.

    A live connector (kind ``poll`` or ``stream``) also names the ``section`` of
    ``veille.toml`` it reads (``[sources.<section>]``), its ``Settings`` model, and
    implements ``from_config`` (and ``wanted``, for ``collect``, ``listen`` and ``run``
    without a source named): the flows find it through the plugin hook only."""

    id: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    network: ClassVar[str]
    description: ClassVar[str] = ""
    #: The ``[sources.<section>]`` table this connector reads (None: it reads none).
    section: ClassVar[str | None] = None
    Settings: ClassVar[type[SourceSettings]] = SourceSettings

    class Options(BaseModel):
        """Options of this connector (from ``veille.toml`` or the command line)."""

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        """Whether ``veille collect`` or ``run`` (or ``listen`` for a stream) collects from
        this connector when no source is named: enabled and something to follow."""
        return False

    @classmethod
    def from_config(cls, context: SourceContext) -> Connector:
        """The connector configured from its ``[sources.<section>]`` and the registry."""
        raise UsageError(f"the source {cls.id!r} cannot be collected from veille.toml")

    #: The cursor to save once everything fetched so far is committed (None: nothing to
    #: resume from). Connectors that resume update it as they yield.
    cursor: str | None = None

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options = options if options is not None else self.Options()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        network = cls.__dict__.get("network")
        if isinstance(network, str) and network:
            PLUGIN_NETWORKS.add(network)

    @abstractmethod
    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        """Yield raw items from ``cursor`` on; a connector that resumes exposes the cursor
        to save after each committed batch as ``self.cursor``."""

    @classmethod
    @abstractmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        """Map one raw item to canonical records. Pure. Raise ``MappingError`` on bad
        input."""


class Importer(Connector):
    """A connector of kind ``import``: reads files that users already have."""

    kind: ClassVar[ConnectorKind] = "import"

    def __init__(self, paths: Sequence[Path], options: BaseModel | None = None) -> None:
        super().__init__(options)
        self.paths = list(paths)

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        for path in self.paths:
            yield from self.read(path)

    def configure(self, config: Any) -> None:
        """Called with the workspace's ``VeilleConfig`` before reading, for options that
        name something of the registry (``-o leader=ID``). Raise ``UsageError`` when the
        options do not fit it. Default: nothing."""

    @abstractmethod
    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        """Stream one file (or archive, or folder) as raw items, never whole in memory."""

    def total_bytes(self) -> int | None:
        """Size of the input, for the progress bar (``None`` when unknown)."""
        total = 0
        for path in self.paths:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            elif path.exists():
                total += path.stat().st_size
        return total


def excerpt(data: bytes | str, limit: int = 2000) -> str:
    """A printable excerpt of a bad item for the rejects file (invalid UTF-8 escaped)."""
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    return text if len(text) <= limit else text[:limit] + f"… [{len(text)} chars]"


def first(items: Iterable[Any]) -> Any:
    for item in items:
        return item
    return None
