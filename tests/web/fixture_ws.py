"""A tiny workspace for the web tests: three leaders (one whose name is a script), their
accounts with hostile profile fields, posts carrying ``<script>`` and ``javascript:``
payloads, a watch, an objective. Built through the store and the real ``veille enrich``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from veille.cli.app import app
from veille.model import Account, AccountSnapshot, Post
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
JS_URL = "javascript:alert(document.cookie)"
PAYLOADS = (SCRIPT, IMG)

CONFIG = f"""
[workspace]
name = "Test {SCRIPT}"
language = "fr"
timezone = "Europe/Paris"

[[organisations]]
id = "acme"
name = 'Acme {IMG}'
kind = "own"
sector = "tech"
country = "FR"
accounts = {{ bluesky = ["acme.bsky.example"] }}

[[leaders]]
id = "alice-martin"
name = "Alice Martin"
role = "CEO"
organisation = "acme"
cohorts = ["cac40", "tech"]
accounts = {{ bluesky = ["alice.bsky.example"] }}

[[leaders]]
id = "bob-durand"
name = "Bob Durand"
role = "CIO"
organisation = "acme"
sector = "finance"
country = "BE"
cohorts = ["tech"]
accounts = {{ bluesky = ["bob.bsky.example"], mastodon = ["bob@social.example"] }}

[[leaders]]
id = "evil"
name = "{SCRIPT}"
role = "{JS_URL}"
organisation = "acme"
cohorts = ["tech"]
accounts = {{ bluesky = ["evil.bsky.example"] }}

[[watches]]
id = "lancement"
name = "Lancement {SCRIPT}"
query = 'lancement OR #launch'
alert = false

[[objectives]]
id = "reach-alice"
leader = "alice-martin"
dimension = "influence"
metric = "followers"
target = 5000
deadline = 2027-06-30
"""

ACCOUNTS = {
    "alice": ("did:plc:alice", "alice.bsky.example", "Alice Martin", f"Bio {JS_URL}"),
    "bob": ("did:plc:bob", "bob.bsky.example", "Bob Durand", "CIO"),
    "evil": ("did:plc:evil", "evil.bsky.example", IMG, SCRIPT),
    "fan": ("did:plc:fan", "fan.bsky.example", f"Fan {SCRIPT}", IMG),
}


def build(root: Path) -> Path:
    init_workspace(root, CONFIG)
    base = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)  # in the past of any clock: fixed anchor
    records: list[object] = []
    for did, handle, name, bio in ACCOUNTS.values():
        records.append(
            Account(network="bluesky", account_id=did, handle=handle, display_name=name, bio=bio)
        )
        records.append(
            AccountSnapshot(network="bluesky", account_id=did, observed_at=base, followers=1200)
        )
    texts = [
        ("alice", f"Le lancement de notre produit {SCRIPT} #launch"),
        ("alice", f"Merci à tous {JS_URL}"),
        ("bob", f"Nouveau lancement {IMG}"),
        ("evil", f"{SCRIPT} lancement"),
        ("fan", f"Bravo pour le lancement {JS_URL} {IMG}"),
    ]
    for i in range(60):
        who, text = texts[i % len(texts)]
        did = ACCOUNTS[who][0]
        alice = ACCOUNTS["alice"][0]
        replying = who in ("fan", "bob") and i >= 5
        records.append(
            Post(
                reply_to=f"at://{alice}/app.bsky.feed.post/p{i - i % 5:03d}" if replying else None,
                mentions=[alice] if who in ("fan", "evil") else [],
                uri=f"at://{did}/app.bsky.feed.post/p{i:03d}",
                network="bluesky",
                post_id=f"p{i:03d}",
                author_id=did,
                created_at=base + timedelta(hours=7 * i),
                collected_at=base + timedelta(days=30),
                text=f"{text} ({i})",
                lang="fr",
                source="test",
            )
        )
    with Workspace.open(root) as ws:
        ws.store.write(records)  # type: ignore[arg-type]
    result = CliRunner().invoke(app, ["enrich", "-w", str(root)])
    assert result.exit_code == 0, result.output
    return root


def add_user(root: Path, name: str, password: str, role: str) -> None:
    result = CliRunner().invoke(
        app,
        ["user", "add", name, "--role", role, "--password-stdin", "-w", str(root)],
        input=password + "\n",
    )
    assert result.exit_code == 0, result.output


def add_token(root: Path, name: str, role: str = "viewer") -> str:
    result = CliRunner().invoke(app, ["token", "add", name, "--role", role, "-w", str(root)])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]
