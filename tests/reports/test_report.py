"""``veille report``: figures by hand on the tiny digest workspace, charts with the local
plotly.js (never a CDN), escaped post texts, both languages, bad input, the reviewers'
command on the demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from digest_helpers import REGISTRY, make_workspace

from veille.analytics.context import duckdb_context
from veille.errors import UsageError
from veille.i18n import messages_in
from veille.reports.report import PLOTLY_JS, build_report, write_report
from veille.workspace import Workspace

EXTRA = """
[[organisations]]
id = "volta"
name = "Volta Batteries"

[[watches]]
id = "usine"
name = "Usines"
query = "usine"
"""


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("report") / "ws", REGISTRY + EXTRA)
    from veille.flow.enrich import enrich_pending

    with Workspace.open(root) as ws:
        enrich_pending(ws)
    return root


def _write(root: Path, out: Path, lang: str, **subject: str) -> str:
    with Workspace.open(root, read_only=True) as ws, messages_in(lang):
        ctx = duckdb_context(ws.store.con, ws.config)
        report = build_report(ctx, ctx.period("28d"), **subject)
        write_report(report, out, lang)
    return out.read_text("utf-8")


def test_leader_report_figures_and_escaping(ws_root: Path, tmp_path: Path) -> None:
    html = _write(ws_root, tmp_path / "alice.html", "en", leader="alice")
    # the period ends at the midnight after the newest post (2026-10-03) and starts 28 days
    # before: alice's baseline posts 1-8 (every 3 days), a1-a3 and one reply
    assert "<td>original posts</td><td>11</td>" in html
    assert "<td>replies</td><td>1</td>" in html
    # latest snapshots (72 h, ten times the 23 h figure): 10 x (4+5+6+4+5+6+4+5)
    # + 500 + 450 + 300 for a1-a3 + 9000 for the reply
    assert "<td>engagement</td><td>10,640</td>" in html
    assert '<script>alert("x")</script>' not in html and "<b>gras</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert f'<script src="{PLOTLY_JS}"></script>' in html and "cdn" not in html.lower()
    assert (tmp_path / PLOTLY_JS).stat().st_size > 1_000_000  # the wheel's plotly.js
    # activity and engagement; no post names "Alice Martin": no mentions chart, a note
    assert html.count('class="chart"') == 2 and "no post names it in the period" in html


def test_french_and_english(ws_root: Path, tmp_path: Path) -> None:
    fr = _write(ws_root, tmp_path / "fr.html", "fr", leader="alice")
    en = _write(ws_root, tmp_path / "en.html", "en", leader="alice")
    assert '<html lang="fr">' in fr and "<h2>Activité</h2>" in fr and "Meilleurs posts" in fr
    assert '<html lang="en">' in en and "<h2>Activity</h2>" in en and "Top posts" in en


def test_organisation_and_watch_reports(ws_root: Path, tmp_path: Path) -> None:
    org = _write(ws_root, tmp_path / "org.html", "en", organisation="volta")
    assert "<h1>Volta Batteries</h1>" in org and "no post in the period" in org
    watch = _write(ws_root, tmp_path / "watch.html", "en", watch="usine")
    # the watch matched a1 and a2 ("usine" in both), the day's two posts
    assert "<td>posts</td><td>2</td>" in watch
    assert watch.count("<blockquote>") == 2 and "query: usine" in watch


def test_bad_subjects(ws_root: Path) -> None:
    with Workspace.open(ws_root, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        period = ctx.period("28d")
        for subject, hint in (({"leader": "alise"}, "alice"), ({"watch": "usines"}, "usine"),
                              ({"organisation": "volt"}, "volta")):  # fmt: skip
            with pytest.raises(UsageError) as info:
                build_report(ctx, period, **subject)
            assert info.value.hint is not None and hint in info.value.hint
        with pytest.raises(UsageError):
            build_report(ctx, period)


def test_pdf_without_weasyprint_says_so(ws_root: Path, tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    try:
        import weasyprint  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(UsageError) as info:
            _write(ws_root, tmp_path / "r.pdf", "en", leader="alice")
        assert "WeasyPrint" in info.value.message and info.value.hint
        return
    _write(ws_root, tmp_path / "r.pdf", "en", leader="alice")  # pragma: no cover
    assert (tmp_path / "r.pdf").read_bytes()[:4] == b"%PDF"  # pragma: no cover


def test_reviewers_command_on_the_demo(demo_workspace: Path, tmp_path: Path) -> None:
    import shutil
    import tomllib

    root = tmp_path / "demo"
    shutil.copytree(demo_workspace, root)
    config = tomllib.loads((root / "veille.toml").read_text("utf-8"))
    leader = config["leaders"][0]["id"]
    out = tmp_path / "out" / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "veille", "report", "--workspace", str(root), "--leader", leader,
         "--out", str(out)],
        capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "VEILLE_LANG": "en"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = out.read_text("utf-8")
    assert config["leaders"][0]["name"] in html and (out.parent / PLOTLY_JS).exists()
    assert "<blockquote>" in html


def test_profile_section_renders_the_analytics_profile() -> None:
    from veille.reports.report import Report, profile_section, render_report

    # the shape of veille.analytics.profile.profile(): figures or {"value": None, "reason"}
    data = {
        "index": 71.4,
        "rank": {"value": None, "reason": "not enough posts"},
        "ranked_among": 12,
        "components": {
            "reach": {"value": 5400, "percentile": 83.3, "rank": 3},
            "engagement": {
                "value": None,
                "percentile": None,
                "rank": None,
                "reason": "no followers",
            },
        },
        "conversation": {"responsiveness": 0.42, "unanswered": [{"text": "<i>x</i>"}]},
        "what_others_say": {"posts": 0, "reason": "nobody mentioned the leader"},
    }
    with messages_in("en"):
        section = profile_section(data)
        html = render_report(Report("leader", "a", "A <b>", "", [section]), "en")
    figures = dict(section.figures)
    assert figures["Index (0-100)"] == "71.4"
    assert figures["rank"] == "n/a (not enough posts)"
    assert section.tables[0].rows == [
        ["reach", "5,400", "83.3", "3"],
        ["engagement", "n/a (no followers)", "n/a", "n/a"],
    ]
    assert ["responsiveness", "0.42"] in section.tables[1].rows  # the list of examples is left out
    assert ["reason", "nobody mentioned the leader"] in section.tables[2].rows
    assert "<h1>A &lt;b&gt;</h1>" in html and "nan" not in html.lower()
