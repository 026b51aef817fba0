"""LinkedIn exports as they were written over the years (issue 9, items 4-8): a 2018
``Shares.csv`` in UTF-16 LE, tab-separated, with older column names; backslash-escaped
quotes in 2025's ``Comments.csv``; ``Connections.csv`` without a URL column after a Notes
preamble; reactions on comments; the owner taken from the export or the registry.
Fixtures: ``tests/fixtures/linkedin/export-2018``, ``-2021``, ``-2025``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from source_helpers import english, map_all, of_type, read_all  # noqa: F401

from cli_run import veille_cli
from veille.model import Account, Follow, Post, Reaction
from veille.sources.base import Reject
from veille.sources.io.csv_rows import iter_csv_rows
from veille.sources.linkedin import LinkedInImporter
from veille.store.rejects import RejectLog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "linkedin"


def records(folder: str, **options: str) -> list[object]:
    importer = LinkedInImporter([FIXTURES / folder], LinkedInImporter.Options(**options))
    items, rejects = read_all(importer)
    assert rejects == [], rejects
    mapped, errors = map_all(LinkedInImporter, items)
    assert errors == []
    return list(mapped)


def test_utf16_tab_separated_shares_with_old_column_names() -> None:
    posts = of_type(records("export-2018", account="marie-dupont"), Post)  # type: ignore[arg-type]
    assert [p.text for p in posts] == [
        "Première publication : « l'innovation » chez Acme",
        "Deuxième, avec un lien",
    ]
    assert posts[1].urls == ["https://acme.example/blog"]


def test_backslash_escaped_quotes_lose_no_comment() -> None:
    posts = of_type(records("export-2025", account="marie-dupont"), Post)  # type: ignore[arg-type]
    assert len(posts) == 20
    assert posts[0].text == 'Comme dit "le patron", 0 fois "oui"'


def test_standard_doubled_quotes_are_not_read_as_escapes() -> None:
    data = b'A,B\n"C:\\\\dossier\\\\",x\n"il a dit ""oui\\""",y\n'
    rows = [r for r in iter_csv_rows(io.BytesIO(data), "t", "f.csv", ["A", "B"])]
    assert rows == [
        (2, {"A": "C:\\\\dossier\\\\", "B": "x"}),
        (3, {"A": 'il a dit "oui\\"', "B": "y"}),
    ]


@pytest.mark.parametrize("folder", ["export-2018", "export-2021"])
def test_connections_without_url_are_imported(folder: str) -> None:
    got = records(folder, account="marie-dupont")
    accounts = {a.account_id: a for a in of_type(got, Account)}  # type: ignore[arg-type]
    jean = accounts["name:jean-exemple"]
    assert jean.display_name == "Jean Exemple" and jean.bio == "Rédacteur en chef, Média Exemple"
    assert jean.url is None
    follows = of_type(got, Follow)  # type: ignore[arg-type]
    assert {(f.follower_id, f.followee_id) for f in follows} >= {
        ("marie-dupont", "name:jean-exemple"),
        ("name:jean-exemple", "marie-dupont"),
    }


def test_missing_columns_name_the_header_line() -> None:
    data = (FIXTURES / "export-2021" / "Connections.csv").read_bytes()
    (reject,) = list(iter_csv_rows(io.BytesIO(data), "t", "c.csv", ["First Name", "URL"]))
    assert isinstance(reject, Reject)
    assert "missing required columns: URL (header read on line 4: First Name," in reject.reason


def test_reactions_on_comments_stay_on_the_comment() -> None:
    reactions = of_type(records("export-2025", account="marie-dupont"), Reaction)  # type: ignore[arg-type]
    subjects = [r.subject_uri for r in reactions]
    post = "https://www.linkedin.com/feed/update/urn:li:activity:7400000000000000001"
    assert subjects == [
        post,
        "https://www.linkedin.com/feed/update/urn:li:comment:(activity:7400000000000000001,7400000000000000555)",
        "https://www.linkedin.com/feed/update/urn:li:comment:(activity:7400000000000000001,7400000000000000556)",
    ]
    assert len({r.uri for r in reactions}) == 3  # none lost as a duplicate of the post's


def test_owner_from_profile_csv() -> None:
    got = records("export-2021")
    owner = [a for a in of_type(got, Account) if a.account_id == "marie-dupont-acme"]  # type: ignore[arg-type]
    assert owner and owner[0].display_name == "Marie Dupont"


def test_owner_missing_says_which_option(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    ran = veille_cli("import", "linkedin", str(FIXTURES / "export-2018"), "-w", str(root))
    assert ran.code == 2
    assert "-o account=SLUG" in ran.stderr and "-o leader=ID" in ran.stderr
    assert "Check the format name" not in ran.output


def test_owner_from_a_leader_of_the_registry(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    (root / "veille.toml").write_text(
        '[[leaders]]\nid = "marie"\nname = "Marie Dupont"\n'
        'accounts = { linkedin = ["https://www.linkedin.com/in/marie-dupont"] }\n',
        encoding="utf-8",
    )
    folder = str(FIXTURES / "export-2018")
    ran = veille_cli("import", "linkedin", folder, "-w", str(root), "-o", "leader=marie", "-q")
    assert ran.code == 0, ran.output
    bad = veille_cli("import", "linkedin", folder, "-w", str(root), "-o", "leader=mari", "-q")
    assert bad.code == 2 and "no leader 'mari'" in str(bad.error)


def test_the_rejects_file_survives_any_bytes(tmp_path: Path) -> None:
    log = RejectLog(tmp_path)
    log.write([Reject(source="s", origin="f:\udcff", reason="bad \ud800", item="\udc80")])
    (line,) = list(log.lines())
    assert line.origin == "f:\\udcff"
    text = next(tmp_path.glob("*.jsonl")).read_text(encoding="utf-8")
    assert json.loads(text)["item"] == "\\udc80"


def test_a_legacy_encoded_semicolon_csv_keeps_its_accents() -> None:
    text = "date;texte;auteur\n" + "".join(f"2024;Élève n°{i}, déjà vu;moi\n" for i in range(5))
    rows = list(iter_csv_rows(io.BytesIO(text.encode("cp1252")), "t", "f.csv", ["texte"]))
    assert rows[0] == (2, {"date": "2024", "texte": "Élève n°0, déjà vu", "auteur": "moi"})
    assert len(rows) == 5


def test_an_unreadable_subfolder_is_a_reject_not_skipped_silently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from veille.sources.io.containers import open_container

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.jsonl").write_text("{}\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "b.jsonl").write_text("{}\n")
    real = os.scandir

    def scandir(path: object = ".") -> object:  # the OS refusing one folder (tests run as root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    container = open_container(tmp_path, "t")
    assert [m.name for m in container.members] == ["ok/a.jsonl"]
    (problem,) = container.problems
    assert problem.origin.endswith("locked") and "cannot read the folder" in problem.reason
