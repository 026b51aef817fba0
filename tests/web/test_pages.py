"""The dashboard's pages through the real app (FastAPI TestClient, a real DuckDB store):
login, every page in both languages, escaping of hostile data, filters, errors, watches."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from tests.web import fixture_ws
from tests.web.conftest import PASSWORD, login

PAGES = [
    "/",
    "/leaders",
    "/leaders?cohort=tech&sort=country&order=desc",
    "/leaders/alice-martin",
    "/leaders/evil",
    "/listening",
    "/listening/lancement",
    "/listening/new",
    "/listening/lancement/edit",
    "/signals",
    "/alerts",
    "/ecosystem",
    "/objectives",
    "/presence",
    "/digest",
    "/check",
    "/sources",
    "/settings",
]


def test_pages_need_a_login(anon: TestClient) -> None:
    for path in PAGES:
        response = anon.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_renders_in_both_languages(admin: TestClient, lang: str) -> None:
    words = {"fr": "Dirigeants", "en": "Leaders"}
    for path in PAGES:
        sep = "&" if "?" in path else "?"
        response = admin.get(f"{path}{sep}lang={lang}")
        assert response.status_code == 200, (path, response.text[:300])
        assert f'<html lang="{lang}">' in response.text
        assert words[lang] in response.text, path
    # the choice is remembered in a cookie
    assert f'<html lang="{lang}">' in admin.get("/sources").text


def test_locale_formats(admin: TestClient) -> None:
    fr = admin.get("/?lang=fr").text
    en = admin.get("/?lang=en").text
    # 60 posts from 4 accounts; dates as each locale writes them
    assert "1 nov. 2024" in fr and "Nov 1, 2024" in en
    assert "60 posts" in fr and "60 posts" in en
    objectives_fr = admin.get("/objectives?lang=fr").text
    assert "5\u202f000,00" in objectives_fr and "30 juin 2027" in objectives_fr
    assert "5,000.00" in admin.get("/objectives?lang=en").text


STRICT = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", re.I)


def _hostile_markup(html: str) -> list[str]:
    found = [p for p in fixture_ws.PAYLOADS if p in html]
    found += re.findall(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I)
    found += re.findall(r"<[a-z]+[^>]*\son[a-z]+\s*=", html, re.I)
    found += re.findall(r"<[a-z]+[^>]*\sstyle\s*=", html, re.I)  # no inline style (CSP)
    found += STRICT.findall(html)  # no inline script (CSP)
    return found


def test_hostile_posts_names_and_bios_are_escaped_everywhere(admin: TestClient) -> None:
    for path in PAGES:
        for lang in ("fr", "en"):
            html = admin.get(f"{path}{'&' if '?' in path else '?'}lang={lang}").text
            assert _hostile_markup(html) == [], path
    profile = admin.get("/leaders/evil").text
    assert "&lt;script&gt;alert(" in profile  # shown, as text
    assert "&lt;img src=x onerror=" in admin.get("/listening/lancement").text


def test_security_headers(admin: TestClient) -> None:
    response = admin.get("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_login_cookie_flags_and_failures(anon: TestClient) -> None:
    page = anon.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    bad = anon.post(
        "/login", data={"username": "admin", "password": "nope", "csrf": token.group(1)}
    )
    assert bad.status_code == 401
    forged = anon.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403
    page = anon.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    good = anon.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf": token.group(1),
            "next": "//evil.example/",
        },
    )
    assert good.status_code == 303 and good.headers["location"] == "/"
    cookie = good.headers["set-cookie"].lower()
    assert "veille_session=" in cookie
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_login_attempts_are_rate_limited(anon: TestClient) -> None:
    statuses = []
    for _ in range(7):
        page = anon.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token
        statuses.append(
            anon.post(
                "/login", data={"username": "admin", "password": "wrong", "csrf": token.group(1)}
            ).status_code
        )
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    # even the right password waits
    page = anon.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    limited = anon.post(
        "/login", data={"username": "admin", "password": PASSWORD, "csrf": token.group(1)}
    )
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_unknown_leader_is_a_404_with_the_closest(admin: TestClient) -> None:
    response = admin.get("/leaders/alice-martn")
    assert response.status_code == 404
    assert 'href="/leaders/alice-martin"' in response.text
    assert admin.get("/listening/lancemnt").status_code == 404
    assert 'href="/listening/lancement"' in admin.get("/listening/lancemnt").text
    assert admin.get("/no/such/page").status_code == 404


def test_bad_parameters_are_422_naming_the_field(admin: TestClient) -> None:
    response = admin.get("/leaders?period=forever")
    assert response.status_code == 422 and "period" in response.text
    response = admin.get("/leaders?cohort=cac4")
    assert response.status_code == 422 and "cohort" in response.text and "cac40" in response.text
    response = admin.get("/leaders?order=sideways")
    assert response.status_code == 422 and "order" in response.text


def test_oversized_bodies_are_refused(admin: TestClient) -> None:
    response = admin.post("/listening/validate", data={"query": "a" * 70_000})
    assert response.status_code == 413


def test_leaderboard_filters_sorts_and_exports(admin: TestClient) -> None:
    names = re.findall(
        r'<td class="c-name"><a href="/leaders/([^"]+)">', admin.get("/leaders?sort=name").text
    )
    assert names == ["evil", "alice-martin", "bob-durand"]  # "<script>..." sorts first
    desc = re.findall(
        r'<td class="c-name"><a href="/leaders/([^"]+)">',
        admin.get("/leaders?sort=name&order=desc").text,
    )
    assert desc == list(reversed(names))
    cac = re.findall(
        r'<td class="c-name"><a href="/leaders/([^"]+)">', admin.get("/leaders?cohort=cac40").text
    )
    assert cac == ["alice-martin"]
    be = re.findall(
        r'<td class="c-name"><a href="/leaders/([^"]+)">', admin.get("/leaders?country=BE").text
    )
    assert be == ["bob-durand"]
    exported = admin.get("/leaders.csv?cohort=tech&sort=name")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["leader"] for r in rows] == ["evil", "alice-martin", "bob-durand"]
    assert rows[0]["role"] == "javascript:alert(document.cookie)"
    assert rows[1]["cohorts"] == "cac40;tech"


def test_watch_query_is_checked_as_typed(admin: TestClient) -> None:
    bad = admin.post(
        "/listening/validate",
        data={"query": 'lancement AND ("oups"'},
        headers={"x-csrf-token": admin.headers["x-test-csrf"]},
    )
    assert bad.status_code == 200
    assert "colonne 22" in bad.text  # the end of the query: ")" expected
    assert "<mark>" in bad.text
    good = admin.post("/listening/validate", data={"query": "lancement AND produit"})
    assert "Requête valide" in good.text


def test_create_and_edit_a_watch(admin: TestClient, ws_root: Path) -> None:
    csrf = admin.headers["x-test-csrf"]
    no_token = admin.post("/listening", data={"id": "produit", "query": "produit"})
    assert no_token.status_code == 403
    broken = admin.post(
        "/listening",
        data={"id": "produit", "name": "Produit", "query": "produit AND", "csrf": csrf},
    )
    assert broken.status_code == 422 and "<mark>" in broken.text
    assert (
        "produit"
        not in (ws_root / "veille.toml").read_text(encoding="utf-8").split("[[watches]]")[-1]
    )
    created = admin.post(
        "/listening",
        data={
            "id": "produit",
            "name": "Produit <b>",
            "query": "produit OR lancement",
            "csrf": csrf,
        },
    )
    assert created.status_code == 303 and created.headers["location"].startswith(
        "/listening/produit"
    )
    text = (ws_root / "veille.toml").read_text(encoding="utf-8")
    assert 'id = "produit"' in text and 'query = "produit OR lancement"' in text
    assert "Produit &lt;b&gt;" in admin.get("/listening/produit").text
    duplicate = admin.post("/listening", data={"id": "produit", "query": "x", "csrf": csrf})
    assert duplicate.status_code == 422
    edited = admin.post(
        "/listening/produit", data={"name": "Produit", "query": "produit", "csrf": csrf}
    )
    assert edited.status_code == 303
    text = (ws_root / "veille.toml").read_text(encoding="utf-8")
    assert 'query = "produit"' in text and text.count('id = "produit"') == 1
    assert "query = 'lancement OR #launch'" in text  # the other watch kept as written


def test_viewers_cannot_edit(anon: TestClient) -> None:
    csrf = login(anon, "viewer")
    response = anon.post("/listening", data={"id": "x", "query": "x", "csrf": csrf})
    assert response.status_code == 403
    assert "Réservé aux administrateurs" in anon.get("/settings").text


def test_watch_posts_filters_and_paging(admin: TestClient) -> None:
    page = admin.get("/listening/lancement")
    assert page.status_code == 200
    count = page.text.count('class="post"')
    assert 0 < count <= 50
    filtered = admin.get("/listening/lancement?network=mastodon")
    assert filtered.text.count('class="post"') == 0


def test_watch_page_shows_what_veille_listening_says(admin: TestClient, built_ws: Path) -> None:
    from tests.cli_run import veille_cli

    ran = veille_cli("listening", "--watch", "lancement", "--format", "json", "-w", str(built_ws))
    assert ran.code == 0, ran.output
    cli = json.loads(ran.stdout)
    page = admin.get("/listening/lancement?lang=en").text
    volume = cli["volume"]
    assert volume["posts"] > 0
    assert f"{volume['posts']} posts by {volume['authors']} distinct authors." in page
    ns = cli["net_sentiment"]
    if ns["raw"] is not None:
        assert f"{ns['raw']:.2f}" in page
    else:
        assert ns["reason"] in page
    chart = re.search(r'<script type="application/json" id="fig-heard">(.*?)</script>', page)
    assert chart
    figure = json.loads(chart.group(1))
    assert sum(figure["data"][0]["y"]) == volume["posts"]
    assert "NaN" not in page
    fr = admin.get("/listening/lancement?lang=fr").text
    assert "auteurs distincts" in fr


def test_digest_feed_is_valid_atom(admin: TestClient) -> None:
    response = admin.get("/digest.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.feed.title.endswith("digest")


def test_demo_needs_no_login_and_changes_nothing(demo: TestClient) -> None:
    for path in PAGES:
        assert demo.get(path).status_code == 200, path
    assert "lecture seule" in demo.get("/").text
    assert demo.post("/listening", data={"id": "x", "query": "x"}).status_code == 403
    assert demo.get("/api/v1/leaders").status_code == 200


def test_ecosystem_graph_page(admin: TestClient) -> None:
    page = admin.get("/ecosystem?leader=alice-martin&period=90d")
    assert page.status_code == 200
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page.text)
    assert data
    graph = json.loads(data.group(1))
    assert graph["nodes"] and all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in graph["nodes"])
    assert "leader:alice-martin" in {n["id"] for n in graph["nodes"]}
    assert admin.get("/ecosystem?leader=alice").status_code == 404
    assert admin.get("/ecosystem?period=never").status_code == 422


def test_ecosystem_graph_api(demo: TestClient) -> None:
    api = demo.get("/api/v1/graph?leader=alice-martin&top=5").json()
    assert len(api["graph"]["nodes"]) <= 6 and api["leader"] == "alice-martin"


def test_check_a_draft(admin: TestClient) -> None:
    csrf = admin.headers["x-test-csrf"]
    refused = admin.post("/check", data={"draft": "Bonjour", "network": "bluesky"})
    assert refused.status_code == 403
    checked = admin.post(
        "/check",
        data={
            "draft": f"Bonjour {fixture_ws.SCRIPT}",
            "network": "bluesky",
            "leader": "alice-martin",
            "csrf": csrf,
        },
        headers={"hx-request": "true"},
    )
    assert checked.status_code == 200
    assert "Verdict" in checked.text and "length" in checked.text
    assert fixture_ws.SCRIPT not in checked.text
    bad = admin.post(
        "/check",
        data={"draft": "x", "network": "myspace", "csrf": csrf},
        headers={"hx-request": "true"},
    )
    assert bad.status_code == 200 and "network" in bad.text and 'role="alert"' in bad.text


def test_signals_page_and_story(admin: TestClient) -> None:
    page = admin.get("/signals?lang=en")
    assert page.status_code == 200
    assert admin.get("/signals/nothing").status_code == 404
    ids = re.findall(r'href="/signals/([^"]+)"', page.text)
    for signal_id in ids[:3]:
        assert admin.get(f"/signals/{signal_id}").status_code == 200
    assert admin.get("/signals/no-such-story").status_code == 404


def test_overview_shows_the_built_analytics(admin: TestClient) -> None:
    page = admin.get("/?lang=en").text
    # the Leader Index, the signals and the digest are built: no card says they are not
    assert "does not have yet" not in page
    assert "Ranking movers" in page and "Latest signals" in page
    assert 'href="/signals"' in page or "No signal in the period." in page
