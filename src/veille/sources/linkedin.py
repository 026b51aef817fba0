"""The LinkedIn data export ("Get a copy of your data"), as a zip or an unpacked folder.

Files read (CSV with a header; names matched case-insensitively anywhere in the export):

============================  ===========================================================
``Shares.csv``                 ``Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,
                               Visibility``: the owner's posts
``Comments.csv``               ``Date,Link,Message``: the owner's comments (replies)
``Reactions.csv``              ``Date,Type,Link``: the owner's reactions (like, praise...)
``Connections.csv``            ``First Name,Last Name,URL,Email Address,Company,Position,
                               Connected On``, after a few ``Notes:`` lines
``Profile.csv``                ``First Name,Last Name,...,Headline,Summary,...``: the owner
============================  ===========================================================

The files are read whatever the year of the export: the encoding, the delimiter and the
quoting are found from each file's head (2018's ``Shares.csv`` is UTF-16 LE and
tab-separated; 2025's ``Comments.csv`` escapes quotes as ``\\"``), and column names are
compared whatever their case and spaces (``Share Link`` is ``ShareLink``). See
``veille.sources.io.csv_dialect``.

The owner: most exports do not contain the owner's public profile slug (the part after
``linkedin.com/in/``). It is taken from ``Profile.csv`` when that file gives the profile's
address, else from ``--option account=marie-dupont`` (a profile URL is accepted too), else
from ``--option leader=ID``: the LinkedIn account of that leader in veille.toml. Without
any of them the export is rejected with a message that names both options.

Keys: a post's URI is ``https://www.linkedin.com/feed/update/{urn}`` (the share link with its
URN unescaped), ``post_id`` the URN. A comment whose link names it (``?commentUrn=``) has the
URI of that URN; older exports give comments no link of their own: then a comment's URI is
the commented post's URI + ``#comment-`` + a hash of its date and text (so re-importing the
same export adds nothing). A reaction's URI is its subject's URI + ``#reaction-`` + the
owner; a reaction on a comment (``?commentUrn=`` in its link) is a reaction on the comment,
not on the post. A share without commentary whose shared URL is a LinkedIn post is a repost
of it; with commentary, a quote. Hashtags are read from the text. A connection is an
``Account`` (slug from its URL; ``name:first-last`` when the export has no URL column, as in
2018 and 2021, or the profile is hidden) with name, position and company as bio, and a
``Follow`` both ways (connections are mutual), created when connected.

Privacy: raw items keep only the columns above that veille maps; e-mail addresses, phone
numbers, addresses and birth dates never enter the raw log.

Fixtures under ``tests/fixtures/linkedin`` are built from the documented formats; no real
export was available.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from veille.errors import UsageError
from veille.i18n import register, t
from veille.model import Account, Follow, Post, Reaction, Record, parse_time, utcnow
from veille.sources.base import MAX_ITEM_BYTES, Importer, MappingError, RawItem, Reject
from veille.sources.io.containers import Container, open_container
from veille.sources.io.csv_rows import iter_csv_rows
from veille.sources.io.members import member_csv_rows
from veille.sources.io.streams import READ_ERRORS
from veille.sources.values import decode_json

if TYPE_CHECKING:
    from veille.workspace.config import VeilleConfig

register(
    {
        "li.no_owner": (
            "{where} : l'export ne dit pas le profil de son propriétaire{name} ; indiquez"
            " -o account=SLUG (la fin de l'adresse linkedin.com/in/SLUG) ou -o leader=ID"
            " (un dirigeant de veille.toml avec un compte linkedin)",
            "{where}: the export does not give its owner's profile{name}; pass"
            " -o account=SLUG (the end of the linkedin.com/in/SLUG address) or -o leader=ID"
            " (a leader of veille.toml with a linkedin account)",
        ),
        "li.unknown_leader": (
            "aucun dirigeant « {leader} » dans veille.toml",
            "no leader '{leader}' in veille.toml",
        ),
        "li.closest": ("Les plus proches : {names}", "Closest: {names}"),
        "li.leader_without_account": (
            "le dirigeant « {leader} » n'a pas de compte linkedin dans veille.toml"
            " (accounts.linkedin)",
            "leader '{leader}' has no linkedin account in veille.toml (accounts.linkedin)",
        ),
        "li.no_files": (
            "{where} : ni Shares.csv, ni Comments.csv, ni Reactions.csv, ni Connections.csv",
            "{where}: no Shares.csv, Comments.csv, Reactions.csv or Connections.csv",
        ),
        "li.bad_row": (
            "ligne {file} invalide : {error}",
            "invalid {file} row: {error}",
        ),
    }
)

NETWORK = "linkedin"
SOURCE = "linkedin"

#: Columns of Profile.csv that give the owner's profile address, in the exports that have one.
PROFILE_URL_COLUMNS = ("Public Profile Url", "Profile Url", "Vanity Name")

#: file kind -> (file name, required columns, optional columns); names are compared whatever
#: their case and spaces (2018's ``Share Link`` is ``ShareLink``)
FILES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "profile": (
        "Profile.csv",
        ("First Name", "Last Name"),
        ("Headline", "Summary", *PROFILE_URL_COLUMNS),
    ),
    "shares": (
        "Shares.csv",
        ("Date", "ShareLink", "ShareCommentary"),
        ("SharedUrl", "MediaUrl", "Visibility"),
    ),
    "comments": ("Comments.csv", ("Date", "Link", "Message"), ()),
    "reactions": ("Reactions.csv", ("Date", "Type", "Link"), ()),
    # 2018 and 2021 exports have no URL column: names, company, position and date are
    # imported all the same
    "connections": (
        "Connections.csv",
        ("First Name", "Last Name", "Connected On"),
        ("URL", "Company", "Position"),
    ),
}

_SLUG = re.compile(r"^[\w\-%.]{2,100}$")
_HASHTAG = re.compile(r"(?<![\w&])#(\w{1,100})", re.UNICODE)
_DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%m/%d/%y, %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")


def profile_slug(value: str) -> str | None:
    """``marie-dupont`` from ``marie-dupont``, ``https://www.linkedin.com/in/marie-dupont/``
    or ``linkedin.com/in/marie-dupont?x=1``; ``None`` when it is not a profile."""
    text = value.strip()
    if "linkedin.com" in text or "/in/" in text:
        if "://" not in text:
            text = "https://" + text
        try:
            path = urlsplit(text).path
        except ValueError:
            return None
        parts = [p for p in path.split("/") if p]
        if len(parts) < 2 or parts[0] != "in":
            return None
        text = parts[1]
    text = unquote(text).strip()
    return text.lower() if text and _SLUG.match(text) and "/" not in text else None


def comment_uri(link: str) -> str | None:
    """The URI of the comment a link points to (``...?commentUrn=urn:li:comment:(...)``):
    ``https://www.linkedin.com/feed/update/{comment urn}``; ``None`` for a post's link."""
    try:
        query = parse_qs(urlsplit(link.strip()).query)
    except ValueError:
        return None
    urn = (query.get("commentUrn") or [""])[0].strip()
    return f"https://www.linkedin.com/feed/update/{urn}" if urn.startswith("urn:li:") else None


def post_uri(link: str) -> tuple[str, str]:
    """``(uri, urn)`` of a LinkedIn post link: ``https://www.linkedin.com/feed/update/{urn}``
    with the URN unescaped. Other links are returned as they are (URN empty)."""
    text = link.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text, ""
    path = unquote(parts.path)
    marker = "/feed/update/"
    if "linkedin.com" in parts.netloc and marker in path:
        urn = path.split(marker, 1)[1].strip("/")
        if urn:
            return f"https://www.linkedin.com/feed/update/{urn}", urn
    return text, ""


def parse_date(value: str) -> datetime | None:
    """The dates of LinkedIn exports: ``2023-05-04 10:11:12`` (UTC), ``04 May 2023``..."""
    text = value.strip()
    if not text:
        return None
    parsed = parse_time(text)
    if parsed is not None:
        return parsed
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def name_key(name: str) -> str | None:
    """The account id of a connection known only by name: ``name:jean-exemple`` (accents
    and case folded), stable across exports of the same owner."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", folded)
    return "name:" + "-".join(words) if words else None


def _hashtags(text: str) -> list[str]:
    found: list[str] = []
    for tag in _HASHTAG.findall(text):
        if tag not in found:
            found.append(tag)
    return found


def _need_date(row: dict[str, str], column: str, kind: str) -> datetime:
    when = parse_date(row.get(column, ""))
    if when is None:
        raise MappingError(
            t("li.bad_row", file=kind, error=f"unreadable {column} {row.get(column, '')!r}")
        )
    return when


def map_row(kind: str, owner: str, row: dict[str, str], observed_at: datetime) -> list[Record]:
    """Records of one row of the export file ``kind`` (``shares``, ``comments``...)."""
    if kind == "profile":
        name = " ".join(x for x in (row.get("First Name", ""), row.get("Last Name", "")) if x)
        bio = "\n\n".join(x for x in (row.get("Headline", ""), row.get("Summary", "")) if x)
        return [
            Account(
                network=NETWORK,
                account_id=owner,
                handle=owner,
                display_name=name or None,
                bio=bio or None,
                url=f"https://www.linkedin.com/in/{owner}",
                first_seen=observed_at,
            )
        ]
    if kind == "shares":
        uri, urn = post_uri(row.get("ShareLink", ""))
        if not uri:
            raise MappingError(t("li.bad_row", file=kind, error="empty ShareLink"))
        created = _need_date(row, "Date", kind)
        text = row.get("ShareCommentary", "").strip()
        shared = row.get("SharedUrl", "").strip()
        repost_of = quote_of = None
        urls: list[str] = []
        if shared:
            shared_uri, shared_urn = post_uri(shared)
            if shared_urn:
                if text:
                    quote_of = shared_uri
                else:
                    repost_of = shared_uri
            else:
                urls.append(shared)
        return [
            Post(
                uri=uri,
                network=NETWORK,
                post_id=urn or uri,
                author_id=owner,
                created_at=created,
                collected_at=observed_at,
                text=None if repost_of else text,
                quote_of=quote_of,
                repost_of=repost_of,
                hashtags=_hashtags(text),
                urls=urls,
                source=SOURCE,
            )
        ]
    if kind == "comments":
        link = row.get("Link", "")
        parent, _urn = post_uri(link)
        if not parent:
            raise MappingError(t("li.bad_row", file=kind, error="empty Link"))
        created = _need_date(row, "Date", kind)
        message = row.get("Message", "").strip()
        digest = hashlib.sha1(
            f"{row.get('Date', '').strip()}|{message}".encode(), usedforsecurity=False
        ).hexdigest()[:16]
        own = comment_uri(link)  # newer exports link the comment itself
        uri = own or f"{parent}#comment-{digest}"
        return [
            Post(
                uri=uri,
                network=NETWORK,
                post_id=own.rsplit("/", 1)[-1] if own else f"comment-{digest}",
                author_id=owner,
                created_at=created,
                collected_at=observed_at,
                text=message,
                reply_to=parent,
                hashtags=_hashtags(message),
                source=SOURCE,
            )
        ]
    if kind == "reactions":
        link = row.get("Link", "")
        subject, _urn = post_uri(link)
        # a reaction on a comment (``?commentUrn=``) is kept on the comment, not the post
        subject = comment_uri(link) or subject
        if not subject:
            raise MappingError(t("li.bad_row", file=kind, error="empty Link"))
        created = _need_date(row, "Date", kind)
        reaction = row.get("Type", "").strip().lower() or "like"
        return [
            Reaction(
                uri=f"{subject}#reaction-{owner}",
                network=NETWORK,
                author_id=owner,
                subject_uri=subject,
                kind=reaction,
                created_at=created,
            )
        ]
    if kind == "connections":
        name = " ".join(x for x in (row.get("First Name", ""), row.get("Last Name", "")) if x)
        slug = profile_slug(row.get("URL", ""))
        url: str | None = f"https://www.linkedin.com/in/{slug}" if slug else None
        if slug is None:
            # no profile address (exports before 2022, hidden profiles): keyed on the name
            slug = name_key(name)
            if slug is None:
                raise MappingError(t("li.bad_row", file=kind, error="no URL and no name"))
        bio = ", ".join(x for x in (row.get("Position", ""), row.get("Company", "")) if x)
        connected = parse_date(row.get("Connected On", ""))
        return [
            Account(
                network=NETWORK,
                account_id=slug,
                handle=slug,
                display_name=name or None,
                bio=bio or None,
                url=url,
                first_seen=observed_at,
            ),
            Follow(
                network=NETWORK,
                follower_id=owner,
                followee_id=slug,
                observed_at=observed_at,
                created_at=connected,
            ),
            Follow(
                network=NETWORK,
                follower_id=slug,
                followee_id=owner,
                observed_at=observed_at,
                created_at=connected,
            ),
        ]
    raise MappingError(t("li.bad_row", file=kind, error="unknown file kind"))


class LinkedInImporter(Importer):
    """Import a LinkedIn data export (zip or folder)."""

    id: ClassVar[str] = SOURCE
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        "LinkedIn data export (zip or folder): the owner's shares, comments, reactions and "
        "connections; the owner from Profile.csv, -o account=SLUG or -o leader=ID"
    )

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        account: str | None = Field(
            default=None,
            description="The owner's profile slug (linkedin.com/in/SLUG) or profile URL.",
        )
        leader: str | None = Field(
            default=None,
            description="The owner as a leader id of veille.toml (its linkedin account).",
        )
        max_item_bytes: int = Field(default=MAX_ITEM_BYTES, gt=0)

        @field_validator("account")
        @classmethod
        def _slug(cls, value: str | None) -> str | None:
            if value is None or not value.strip():
                return None
            slug = profile_slug(value)
            if slug is None:
                raise ValueError(f"not a LinkedIn profile slug or URL: {value!r}")
            return slug

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        options = self.Options.model_validate(self.options.model_dump())
        container = open_container(path, self.id)
        yield from container.problems
        if not container.members:
            return
        found = {kind: container.find(spec[0]) for kind, spec in FILES.items()}
        if not any(found[k] for k in ("shares", "comments", "reactions", "connections")):
            yield Reject(source=self.id, origin=str(path), reason=t("li.no_files", where=path))
            return
        owner = options.account or self.owner or self._profile_slug(container)
        if owner is None:
            name = self._owner_name(container)
            yield Reject(
                source=self.id,
                origin=str(path),
                reason=t("li.no_owner", where=path, name=f" ({name})" if name else ""),
            )
            return
        received = utcnow()
        for kind, member in found.items():
            if member is None:
                continue
            _name, required, optional = FILES[kind]
            columns = (*required, *optional)
            for entry in member_csv_rows(
                member, self.id, required, optional=optional, max_bytes=options.max_item_bytes
            ):
                if isinstance(entry, Reject):
                    yield entry
                    continue
                line, row = entry
                kept = {c: row.get(c, "") for c in columns}
                yield RawItem.of(
                    self.id,
                    f"{member.where}:{line}",
                    {"file": kind, "owner": owner, "row": kept},
                    received,
                )

    #: The owner found in the registry (``-o leader=ID``, see ``configure``).
    owner: str | None = None

    def configure(self, config: VeilleConfig) -> None:
        """``-o leader=ID``: the owner is that leader's LinkedIn account in veille.toml."""
        options = self.Options.model_validate(self.options.model_dump())
        if options.leader is None or options.account:
            return
        leaders = {leader.id: leader for leader in config.leaders}
        leader = leaders.get(options.leader)
        if leader is None:
            close = difflib.get_close_matches(options.leader, list(leaders), n=3)
            raise UsageError(
                t("li.unknown_leader", leader=options.leader),
                hint=t("li.closest", names=", ".join(close)) if close else None,
            )
        slugs = [s for s in map(profile_slug, leader.accounts.get(NETWORK, [])) if s]
        if not slugs:
            raise UsageError(t("li.leader_without_account", leader=options.leader))
        self.owner = slugs[0]

    def _profile_slug(self, container: Container) -> str | None:
        """The owner's slug from Profile.csv, in the exports that give the profile URL."""
        member = container.find("Profile.csv")
        if member is None:
            return None
        _name, required, optional = FILES["profile"]
        try:
            with member.open() as stream:
                for entry in iter_csv_rows(
                    stream, self.id, member.where, required, optional=optional
                ):
                    if isinstance(entry, tuple):
                        for column in PROFILE_URL_COLUMNS:
                            slug = profile_slug(entry[1].get(column, ""))
                            if slug:
                                return slug
                        return None
        except READ_ERRORS:
            return None
        return None

    def _owner_name(self, container: Container) -> str | None:
        member = container.find("Profile.csv")
        if member is None:
            return None
        try:
            with member.open() as stream:
                for entry in iter_csv_rows(stream, self.id, member.where, FILES["profile"][1]):
                    if isinstance(entry, tuple):
                        row = entry[1]
                        name = f"{row.get('First Name', '')} {row.get('Last Name', '')}".strip()
                        return name or None
        except READ_ERRORS:
            return None
        return None

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value = decode_json(raw.payload)
        if not isinstance(value, dict):
            raise MappingError(t("li.bad_row", file="?", error="not an object"))
        kind, owner, row = value.get("file"), value.get("owner"), value.get("row")
        if not isinstance(kind, str) or not isinstance(owner, str) or not isinstance(row, dict):
            raise MappingError(t("li.bad_row", file=kind, error="needs file, owner and row"))
        clean = {str(k): v if isinstance(v, str) else "" for k, v in row.items()}
        return map_row(kind, owner, clean, raw.received_at)


CONNECTORS = [LinkedInImporter]
