"""The LinkedIn export importer (synthetic fixture) and the generic csv/jsonl importers."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from pydantic import ValidationError
from source_helpers import english, map_all, of_type, read_all, write_jsonl  # noqa: F401

from veille.model import Account, Follow, Post, PostMetrics, Reaction
from veille.sources.linkedin import LinkedInImporter, post_uri, profile_slug
from veille.sources.tabular import CsvImporter, JsonlImporter, TabularOptions
from veille.store import Store

EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "linkedin" / "export"
OWNER = "marie-dupont"


def linkedin(path: Path, account: str | None = OWNER) -> LinkedInImporter:
    return LinkedInImporter([path], LinkedInImporter.Options(account=account))


def test_linkedin_export() -> None:
    items, rejects = read_all(linkedin(EXPORT))
    assert not rejects
    records, errors = map_all(LinkedInImporter, items)
    assert not errors
    posts = {p.uri: p for p in of_type(records, Post)}
    first = posts["https://www.linkedin.com/feed/update/urn:li:share:7150000000000000001"]
    assert first.post_id == "urn:li:share:7150000000000000001" and first.author_id == OWNER
    assert first.text is not None and first.text.startswith("Fière de présenter")
    assert "\n" in first.text and first.hashtags == ["Innovation", "RSE"]
    assert first.urls == ["https://example.org/feuille-de-route"]
    repost = posts["https://www.linkedin.com/feed/update/urn:li:share:7150000000000000002"]
    assert repost.repost_of == (
        "https://www.linkedin.com/feed/update/urn:li:activity:7140000000000000009"
    )
    assert repost.text is None
    quote = posts["https://www.linkedin.com/feed/update/urn:li:ugcPost:7160000000000000003"]
    assert quote.quote_of and quote.text == 'À lire : l\'analyse de "Jean Exemple" sur le marché'
    comments = [p for p in posts.values() if p.reply_to]
    assert len(comments) == 2 and all("#comment-" in c.uri for c in comments)
    reactions = of_type(records, Reaction)
    assert sorted(r.kind for r in reactions) == ["like", "praise"]
    assert all(r.uri.endswith(f"#reaction-{OWNER}") for r in reactions)
    follows = {(f.follower_id, f.followee_id) for f in of_type(records, Follow)}
    assert follows == {
        (OWNER, "jean-exemple-1a2b3c"),
        ("jean-exemple-1a2b3c", OWNER),
        (OWNER, "claire-martin"),
        ("claire-martin", OWNER),
        # a connection that hides its profile URL is kept by name (issue 9: import what
        # is there), not dropped
        (OWNER, "name:sans-profil"),
        ("name:sans-profil", OWNER),
    }
    accounts = {a.account_id: a for a in of_type(records, Account)}
    assert accounts[OWNER].display_name == "Marie Dupont"
    assert accounts[OWNER].bio is not None and accounts[OWNER].bio.startswith("CEO chez Acme")
    assert accounts["jean-exemple-1a2b3c"].bio == "Rédacteur en chef, Média Exemple"
    payloads = b"".join(bytes(i.payload) for i in items)
    for private in (b"jean@example.invalid", b"1 rue Exemple", b"Jan 1 1970", b"75000"):
        assert private not in payloads


def test_linkedin_needs_the_owner() -> None:
    items, rejects = read_all(linkedin(EXPORT, None))
    assert not items and len(rejects) == 1
    assert "-o account=SLUG" in rejects[0].reason and "Marie Dupont" in rejects[0].reason
    with pytest.raises(ValidationError):
        LinkedInImporter.Options(account="https://www.linkedin.com/company/acme")
    assert LinkedInImporter.Options(account="linkedin.com/in/Marie-Dupont/").account == OWNER


def test_linkedin_zip_and_reimport(tmp_path: Path) -> None:
    zipped = tmp_path / "Basic_LinkedInDataExport.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in EXPORT.iterdir():
            archive.write(path, path.name)
    first, _ = map_all(LinkedInImporter, read_all(linkedin(zipped))[0])
    second, _ = map_all(LinkedInImporter, read_all(linkedin(EXPORT))[0])
    assert sorted(p.uri for p in of_type(first, Post)) == sorted(
        p.uri for p in of_type(second, Post)
    )
    store = Store(tmp_path / "s.duckdb")
    assert store.write(first).posts_new == 5
    assert store.write(second).posts_new == 0


def test_linkedin_missing_columns_skip_only_that_file(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(EXPORT, export)
    (export / "Shares.csv").write_text("Date,ShareLink\n2024-01-01 00:00:00,https://x\n")
    (export / "Comments.csv").write_text(
        'Date,Link,Message\nnot a date,https://www.linkedin.com/feed/update/urn:li:activity:1,"x"\n'
    )
    items, rejects = read_all(linkedin(export))
    assert [r.origin for r in rejects] == [str(export / "Shares.csv")]
    assert "missing required columns: ShareCommentary" in rejects[0].reason
    records, errors = map_all(LinkedInImporter, items)
    assert [e[0].origin for e in errors] == [f"{export / 'Comments.csv'}:2"]
    assert "unreadable Date 'not a date'" in str(errors[0][1])
    assert of_type(records, Reaction) and of_type(records, Follow)
    assert not of_type(records, Post)


def test_linkedin_no_export_files(tmp_path: Path) -> None:
    (tmp_path / "other.txt").write_text("x")
    items, rejects = read_all(linkedin(tmp_path))
    assert not items and "no Shares.csv" in rejects[0].reason


def test_linkedin_helpers() -> None:
    assert post_uri("https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A1/?x=1") == (
        "https://www.linkedin.com/feed/update/urn:li:share:1",
        "urn:li:share:1",
    )
    assert post_uri("https://example.org/a") == ("https://example.org/a", "")
    assert profile_slug("https://fr.linkedin.com/in/j%C3%A9r%C3%B4me/") == "jérôme"
    assert profile_slug("https://www.linkedin.com/in/") is None


def test_csv_with_semicolons_and_field_options(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_text(
        "id;auteur;date;texte;tags;j'aime\n"
        "1;alice;2024-01-02T03:04:05Z;Bonjour, monde;#a #b;3\n"
        "2;bob;1704164645;Salut;;\n"
        "3;;2024-01-02;sans auteur;;\n"
        "4;carol;demain;date illisible;;\n"
    )
    options = TabularOptions(
        network="web",
        post_id="id",
        author_id="auteur",
        created_at="date",
        text="texte",
        hashtags="tags",
        likes="j'aime",
        uri_template="https://blog.example/p/{post_id}",
    )
    items, rejects = read_all(CsvImporter([path], options))
    assert not rejects and len(items) == 4
    records, errors = map_all(CsvImporter, items)
    assert [e[0].origin for e in errors] == [f"{path}:4", f"{path}:5"]
    assert "empty or missing author_id (column 'auteur')" in str(errors[0][1])
    assert "unreadable created_at (column 'date'): 'demain'" in str(errors[1][1])
    posts = of_type(records, Post)
    assert [p.uri for p in posts] == ["https://blog.example/p/1", "https://blog.example/p/2"]
    assert posts[0].text == "Bonjour, monde" and posts[0].hashtags == ["a", "b"]
    assert posts[1].created_at.isoformat() == "2024-01-02T03:04:05+00:00"
    (metrics,) = of_type(records, PostMetrics)
    assert metrics.likes == 3


def test_csv_missing_columns_and_network(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("uri,author_id,created_at\nu,a,2024-01-01\n")
    items, rejects = read_all(CsvImporter([path], TabularOptions(network="x")))
    assert not items and len(rejects) == 1
    assert rejects[0].origin == str(path) and "missing required columns: text" in rejects[0].reason
    items, rejects = read_all(CsvImporter([path]))
    assert not items and "--option network=NAME" in rejects[0].reason


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"network": "web", "mapping": "text:body"}, "no column for uri"),
        ({"network": "web", "text": "body", "author_id": ""}, "no column given for author_id"),
        ({"network": "facebook"}, "unknown network 'facebook'"),
        ({"network": "web", "colour": "x"}, "unknown option(s) colour"),
        ({"network": "web", "mapping": "views:v"}, "unknown field(s) views"),
        ({"network": "web", "mapping": "uri"}, "expected field:column"),
        (
            {
                "network": "web",
                "post_id": "id",
                "uri_template": "https://x/{id}",
                "mapping": "post_id:id,author_id:a,created_at:c",
            },
            "uri_template may use",
        ),
        ({"network": "web", "delimiter": ";;"}, "one character"),
    ],
)
def test_tabular_option_errors(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        TabularOptions(**options)
    assert message in str(info.value)


def test_tabular_options_from_cli_strings() -> None:
    options = TabularOptions(
        network="Mastodon",
        mapping='{"uri": "url", "author_id": "who", "created_at": "when"}',
        delimiter="tab",
    )
    assert options.network == "mastodon" and options.delimiter == "\t"
    assert options.mapping == {"uri": "url", "author_id": "who", "created_at": "when"}
    fields = TabularOptions(network="web", text="body", uri="u", author_id="a", created_at="c")
    assert fields.mapping == {"text": "body", "uri": "u", "author_id": "a", "created_at": "c"}
    assert TabularOptions().mapping == {
        "uri": "uri",
        "author_id": "author_id",
        "created_at": "created_at",
        "text": "text",
    }
    with pytest.raises(ValidationError, match="no column for uri"):
        TabularOptions(network="web", text="body")


def test_jsonl_dotted_paths_and_lists(tmp_path: Path) -> None:
    rows = [
        {
            "url": "https://m.example/@a/1",
            "user": {"id": "a@m.example", "name": "A"},
            "ts": 1704164645123,
            "body": "x",
            "tags": ["#one", "two"],
            "stats": {"likes": "7"},
        },
        {"url": "https://m.example/@a/2", "user": {"id": "a@m.example"}},
        [1, 2],
    ]
    path = write_jsonl(tmp_path / "p.jsonl", rows)
    options = TabularOptions(
        network="mastodon",
        uri="url",
        author_id="user.id",
        author_name="user.name",
        created_at="ts",
        text="body",
        hashtags="tags",
        likes="stats.likes",
    )
    items, rejects = read_all(JsonlImporter([path], options))
    assert not rejects
    records, errors = map_all(JsonlImporter, items)
    assert [e[0].origin for e in errors] == [f"{path}:2", f"{path}:3"]
    (post,) = of_type(records, Post)
    assert post.hashtags == ["one", "two"] and post.created_at.year == 2024
    assert of_type(records, Account)[0].display_name == "A"
    assert of_type(records, PostMetrics)[0].likes == 7
    raw = json.loads(bytes(items[0].payload))
    assert raw["row"] == rows[0] and raw["options"]["network"] == "mastodon"
