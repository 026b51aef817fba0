"""French and English for the interface. The language comes from ``VEILLE_LANG``, else from
``LC_ALL``/``LC_MESSAGES``/``LANG`` (``fr*`` gives French), else English.

Messages live in one catalogue, keyed by a short id; ``t(id, **values)`` formats one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

CATALOGUE: dict[str, tuple[str, str]] = {
    # key: (français, English)
    "ws.not_workspace": (
        "{root} n'est pas un espace veille (pas de {name})",
        "{root} is not a veille workspace (no {name})",
    ),
    "ws.not_workspace.hint": (
        "Créez-en un avec `veille init DOSSIER`, ou passez --workspace DOSSIER.",
        "Create one with `veille init DIR`, or pass --workspace DIR.",
    ),
    "ws.busy": (
        "l'espace {root} est utilisé par le processus {pid} (`{command}`, depuis {since})",
        "the workspace {root} is in use by process {pid} (`{command}`, since {since})",
    ),
    "ws.waiting": (
        "l'espace est utilisé par le processus {pid} (`{command}`) : en attente qu'il le "
        "libère (Ctrl-C pour abandonner)...",
        "the workspace is in use by process {pid} (`{command}`): waiting for it to let go "
        "(Ctrl-C to give up)...",
    ),
    "ws.busy.not_sent": (
        "Les commandes de lecture sont exécutées par ce processus, mais `veille {command}` "
        "doit posséder l'espace : arrêtez-le d'abord, ou lancez la commande dans un terminal "
        "pour attendre qu'il le libère.",
        "Reading commands are run by that process, but `veille {command}` must own the "
        "workspace: stop it first, or run the command in a terminal to wait for it.",
    ),
    "ws.busy.hint": (
        "Attendez qu'il termine ou arrêtez-le : un seul processus possède un espace.",
        "Wait for it to finish or stop it; one process owns a workspace at a time.",
    ),
    "ws.read_only": (
        "l'espace {root} est en lecture seule ({error}) : seules les commandes de lecture "
        "(status, search...) y fonctionnent",
        "the workspace {root} is read-only ({error}): only read commands (status, search...) "
        "work on it",
    ),
    "ws.read_only.hint": (
        "Copiez l'espace dans un dossier où vous pouvez écrire pour le modifier.",
        "Copy the workspace to a folder you can write to in order to change it.",
    ),
    "ws.exists": ("{path} existe déjà", "{path} already exists"),
    "ws.exists.hint": ("Utilisez --force pour l'écraser.", "Use --force to overwrite it."),
    "init.done": ("Créé {config} et {data}/", "Created {config} and {data}/"),
    "init.next": (
        "Modifiez {name}, puis : veille import FORMAT FICHIER -w {dir} ou veille collect -w {dir}",
        "Edit {name}, then: veille import FORMAT FILE -w {dir} or veille collect -w {dir}",
    ),
    "import.unknown_format": ("format inconnu {fmt!r}", "unknown format {fmt!r}"),
    "import.formats": ("Formats : {formats}", "Formats: {formats}"),
    "import.missing": ("fichier introuvable : {path}", "no such file: {path}"),
    "import.nothing": (
        "rien dans {paths} n'a pu être lu comme {fmt} : {n} éléments rejetés",
        "nothing in {paths} could be read as {fmt}: {n} items rejected",
    ),
    "import.nothing.hint": (
        "Les raisons sont ci-dessus et dans le fichier des rejets ; `veille import --help`"
        " liste les formats, `-o` leurs options.",
        "The reasons are above and in the rejects file; `veille import --help` lists the"
        " formats, `-o` their options.",
    ),
    "import.empty": (
        "rien à lire dans {paths} (fichier ou dossier vide)",
        "nothing to read in {paths} (empty file or folder)",
    ),
    "import.rejected": ("rejeté", "rejected"),
    "import.more": ("... et {n} de plus", "... and {n} more"),
    "import.kept": (
        "Les éléments rejetés sont conservés dans {path}",
        "Rejected items are kept in {path}",
    ),
    "col.network": ("réseau", "network"),
    "col.rows": ("lignes", "rows"),
    "col.when": ("quand", "when"),
    "col.status": ("état", "status"),
    "col.cursor": ("curseur", "cursor"),
    "col.updated": ("mis à jour", "updated"),
    "col.last_success": ("dernier succès", "last success"),
    "col.lag": ("retard", "cursor lag"),
    "col.per_minute": ("éléments/min", "items/min"),
    "col.rate_limit": ("quota", "rate limit"),
    "col.next_call": ("prochain appel", "next call"),
    "col.last_error": ("dernière erreur", "last error"),
    "status.by_network": ("Posts par réseau", "Posts per network"),
    "status.by_source": ("Posts par source", "Posts per source"),
    "status.records": ("Autres enregistrements", "Other records"),
    "status.imports": ("Derniers imports", "Last imports"),
    "status.cursors": ("Curseurs", "Cursors"),
    "col.read": ("lus", "read"),
    "col.new": ("nouveaux", "new"),
    "col.duplicates": ("doublons", "duplicates"),
    "col.rejected": ("rejetés", "rejected"),
    "progress.detail": (
        "{read} lus, {new} nouveaux, {dup} doublons, {rej} rejetés",
        "{read} read, {new} new, {dup} duplicates, {rej} rejected",
    ),
    "status.posts": (
        "{total} posts ({deleted} supprimés), du {first} au {last}",
        "{total} posts ({deleted} deleted), from {first} to {last}",
    ),
    "status.sizes": (
        "base {store:.1f} Mo, journal brut {raw:.1f} Mo, {rejects} éléments rejetés",
        "store {store:.1f} MB, raw log {raw:.1f} MB, {rejects} rejected items",
    ),
    "rebuild.done": (
        "Reconstruit depuis {items} éléments bruts : {records} enregistrements, {posts} posts"
        " dans la base, {rejected} rejetés, {enriched} posts enrichis.",
        "Rebuilt from {items} raw items: {records} records mapped, {posts} posts in the store,"
        " {rejected} rejected, {enriched} posts enriched.",
    ),
    "forget.done": (
        "Oublié {account} : {posts} posts purgés, {raw} éléments bruts expurgés. "
        "Une pierre tombale les tient à l'écart.",
        "Forgot {account}: {posts} posts purged, {raw} raw items redacted. "
        "A tombstone keeps them out.",
    ),
    "cli.interrupted": (
        "Interrompu. Ce qui a été validé est conservé ; relancez pour reprendre.",
        "Interrupted. What was committed is kept; run again to resume.",
    ),
    "cli.unexpected": ("erreur inattendue : {error}", "unexpected error: {error}"),
    "cli.unexpected.hint": (
        "(dans {file}:{line}) Relancez avec VEILLE_DEBUG=1 pour la trace complète, et signalez-la.",
        "(in {file}:{line}) Run again with VEILLE_DEBUG=1 for the full traceback, and report it.",
    ),
    "demo.ready": ("Espace de démonstration prêt :", "Demo workspace ready:"),
    "demo.next": ("Et maintenant :", "What to look at next:"),
}


@cache
def language() -> str:
    for var in ("VEILLE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


_FORCED: ContextVar[str | None] = ContextVar("veille_language", default=None)


@contextmanager
def messages_in(lang: str | None) -> Iterator[None]:
    """Format messages in ``lang`` ("fr" or "en") inside the block, whatever the
    environment says (a digest or a report is in the workspace's language)."""
    token = _FORCED.set(lang if lang in ("fr", "en") else None)
    try:
        yield
    finally:
        _FORCED.reset(token)


def current_language() -> str:
    """The language messages are formatted in now: ``messages_in``'s, else ``language()``."""
    return _FORCED.get() or language()


def t(key: str, **values: object) -> str:
    """The message ``key`` in the interface language, formatted with ``values``."""
    fr, en = CATALOGUE[key]
    template = fr if current_language() == "fr" else en
    return template.format(**values)


def register(messages: dict[str, tuple[str, str]]) -> None:
    """Add messages (modules register their own at import time)."""
    for key, pair in messages.items():
        if key in CATALOGUE and CATALOGUE[key] != pair:
            raise ValueError(f"message id {key!r} registered twice with different texts")
        CATALOGUE[key] = pair
