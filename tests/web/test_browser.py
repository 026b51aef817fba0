"""The dashboard as a user meets it: Playwright driving Debian's chromium against a real
``veille serve`` on the demo workspace. Screenshots go to tests/artifacts/web/. A console
error, a request leaving 127.0.0.1 or a serious axe-core violation fails the test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.web import fixture_ws
from tests.web.browser import ARTIFACTS, ensure_chromium, veille_serve

from veille.web.views import sort_key

playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "browser-test-passphrase"
PAGES = [
    "/",
    "/leaders",
    "/listening",
    "/signals",
    "/alerts",
    "/listening/crise-verlaine",
    "/ecosystem",
    "/objectives",
    "/presence",
    "/digest",
    "/check",
    "/sources",
    "/settings",
]
AXE = "/static/vendor/axe-core/axe.min.js"


@pytest.fixture(scope="module")
def served(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("browser") / "ws"
    shutil.copytree(demo_workspace, root)
    (root / "data" / "owner.lock").unlink(missing_ok=True)
    fixture_ws.add_user(root, "admin", PASSWORD, "admin")
    with veille_serve(["-w", str(root)], ARTIFACTS / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = ensure_chromium()
    with playwright_api.sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(path), args=["--no-sandbox", "--disable-gpu"]
        )
        yield instance
        instance.close()


class Watcher:
    """Console errors, failed requests and requests to other hosts, for one page."""

    def __init__(self, page: Any, base: str) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.route("**/*", self._route)
        self.base = base

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def check(self) -> None:
        assert self.outside == [], self.outside
        assert self.errors == [], self.errors


def new_page(browser: Any, base: str, width: int = 1280, height: int = 900) -> tuple[Any, Any]:
    context = browser.new_context(
        base_url=base, viewport={"width": width, "height": height}, locale="fr-FR"
    )
    page = context.new_page()
    return page, Watcher(page, base)


def log_in(page: Any) -> None:
    page.goto("/leaders")
    assert "/login" in page.url
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/leaders")


def axe_serious(page: Any) -> list[str]:
    page.add_script_tag(url=AXE)
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"
    )
    return list(result)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_every_page_in_both_languages(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served)
    log_in(page)
    # the first Tab reaches the skip link: the page is usable with the keyboard
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    problems: dict[str, list[str]] = {}
    for lang in ("fr", "en"):
        for path in PAGES:
            response = page.goto(f"{path}?lang={lang}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            assert page.get_attribute("html", "lang") == lang
            charts = page.locator(".chart[data-figure]")
            for i in range(charts.count()):
                charts.nth(i).locator(".main-svg").first.wait_for(timeout=20_000)
            name = (path.strip("/") or "overview").replace("/", "-")
            shot(page, f"{name}-{lang}")
            serious = axe_serious(page)
            if serious:
                problems[f"{path}?lang={lang}"] = serious
    assert problems == {}, problems
    watcher.check()


def test_small_screen(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served, width=390, height=844)
    log_in(page)
    for path in ("/", "/leaders", "/listening/ia", "/objectives", "/presence"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        shot(page, f"mobile-{(path.strip('/') or 'overview').replace('/', '-')}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, (path, width)
    watcher.check()


def test_leaderboard_filter_sort_and_profile(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served)
    log_in(page)
    page.goto("/leaders?lang=en")
    rows = page.locator("table.board tbody tr")
    everyone = rows.count()
    options = page.locator("select[name=country] option")
    country = options.nth(1).get_attribute("value")
    page.select_option("select[name=country]", country)
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"country={country}" in page.url
    filtered = rows.count()
    assert 0 < filtered < everyone
    cells = page.locator("table.board td.c-country").all_inner_texts()
    assert set(cells) == {country}
    page.click("th >> text=Name")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("th[aria-sort]", "aria-sort") == "ascending"
    names = page.locator("table.board td.c-name").all_inner_texts()
    assert names == sorted(names, key=sort_key)
    page.click("th[aria-sort] a")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("th[aria-sort]", "aria-sort") == "descending"
    with page.expect_download() as download:
        page.click("text=Export as CSV")
    assert download.value.suggested_filename == "leaders.csv"
    page.locator("table.board td.c-name a").first.click()
    page.wait_for_load_state("networkidle")
    assert "/leaders/" in page.url and page.locator("h1").inner_text()
    shot(page, "leader-profile")
    page.goto("/leaders/no-such-leader")
    assert page.locator("h1").inner_text() == "Not found"
    assert watcher.outside == []
    # the 404 is the only error the console saw
    assert all("404" in e for e in watcher.errors), watcher.errors


def test_create_a_watch_with_an_error_then_right(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served)
    log_in(page)
    page.goto("/listening/new?lang=en")
    page.fill("#watch-id", "produit-atlas")
    page.fill("#watch-name", "Atlas")
    page.locator("#watch-query").press_sequentially('atlas AND ("lancement"', delay=10)
    error = page.locator("#query-check .error")
    error.wait_for()
    assert "column 23" in error.inner_text()
    assert page.locator("#query-check mark").count() == 1
    shot(page, "watch-error")
    page.locator("#watch-query").press_sequentially(")", delay=10)
    page.locator("#query-check .ok").wait_for()
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/listening/produit-atlas?saved=1")
    assert "produit-atlas" in page.locator("p.ok").inner_text()
    shot(page, "watch-saved")
    page.goto("/listening?lang=en")
    assert page.locator("text=Atlas").count() >= 1
    watcher.check()


def test_open_the_graph_and_check_a_draft(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served)
    log_in(page)
    page.goto("/ecosystem?lang=en")
    page.select_option("select[name=leader]", "camille-haddad")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/ecosystem?leader=camille-haddad*")
    page.locator("#graph canvas").first.wait_for()
    nodes = page.evaluate("window.veilleCy.nodes().length")
    assert nodes > 10
    assert page.locator("text=Who to engage").count() == 1
    shot(page, "ecosystem-graph")
    page.goto("/check?lang=en")
    page.fill("#draft", "Fiers de lancer notre nouvelle offre ! #IA")
    page.select_option("#network", "bluesky")
    page.select_option("#leader", "camille-haddad")
    page.click("form.stack button[type=submit]")
    page.locator("#check-result table").wait_for()
    assert "Verdict" in page.locator("#check-result h2").inner_text()
    shot(page, "check-result")
    assert axe_serious(page) == []
    watcher.check()


def test_digest_feed_and_api(served: str, browser: Any) -> None:
    page, watcher = new_page(browser, served)
    log_in(page)
    response = page.request.get("/digest.atom")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "<feed" in response.text()
    # the API wants a token, even from a logged-in browser
    assert page.request.get("/api/v1/leaders").status == 401
    assert httpx.get(f"{served}/openapi.json").json()["openapi"].startswith("3.")
    watcher.check()
