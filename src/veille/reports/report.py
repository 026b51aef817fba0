"""``veille report``: a self-contained HTML report on a leader, an organisation or a watch
over a period, with the figures of the analytics (``veille.analytics``: the leader
profile where this version has it, channels, ambassadors) and day-by-day series and top
posts (``veille.analytics.report_sql``), in French or English.

Charts are Plotly figures drawn by the plotly.js that the plotly wheel ships, copied
beside the report (never a CDN); every post text and name is escaped (Jinja2
autoescape), only http(s) addresses become links. PDF through WeasyPrint where it is
installed (``pip install 'veille[pdf]'``): the same report without the charts' script.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from veille.analytics.ambassadors import ambassadors
from veille.analytics.channels import channels
from veille.analytics.cohort import leader as find_leader
from veille.analytics.cohort import organisation as find_organisation
from veille.analytics.context import AnalyticsContext
from veille.analytics.period import Period
from veille.analytics.profile import profile
from veille.analytics.report_sql import entity_daily, entity_top_posts, watch_daily, watch_top_posts
from veille.errors import UsageError
from veille.i18n import t
from veille.reports import report_messages as _messages  # noqa: F401 - registers messages
from veille.reports.digest import post_url
from veille.reports.digest_render import safe_url

PLOTLY_JS = "plotly.min.js"
TOP_POSTS = 10


@dataclass
class Chart:
    id: str
    json: str  # the figure as JSON, safe inside <script type="application/json">


@dataclass
class TableBlock:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    title: str
    note: str | None = None
    figures: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    posts: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class Report:
    kind: str
    subject: str
    title: str
    subtitle: str
    sections: list[Section]

    @property
    def charts(self) -> int:
        return sum(len(s.charts) for s in self.sections)


def fmt(value: Any) -> str:
    """A figure as text: "n/a" with its reason for missing values, never NaN."""
    if isinstance(value, dict) and "value" in value:
        if value["value"] is None:
            reason = value.get("reason")
            return f"{t('report.na')} ({reason})" if reason else t("report.na")
        value = value["value"]
    if value is None:
        return t("report.na")
    if isinstance(value, bool):
        return t("report.yes") if value else t("report.no")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return t("report.na")
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def share(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("value")
    return t("report.na") if value is None else f"{100 * float(value):.1f} %"


def _chart_json(figure: dict[str, Any]) -> str:
    text = json.dumps(figure, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _series_chart(chart_id: str, rows: list[dict[str, Any]], series: list[tuple[str, str]],
                  title: str, *, stacked: bool = True) -> Chart:  # fmt: skip
    import plotly.graph_objects as go

    days = [str(r["day"]) for r in rows]
    figure = go.Figure()
    for key, label in series:
        figure.add_trace(go.Bar(x=days, y=[int(r[key] or 0) for r in rows], name=label))
    figure.update_layout(
        title=title, barmode="stack" if stacked else "group", height=320,
        margin={"l": 40, "r": 10, "t": 40, "b": 40}, legend={"orientation": "h"},
    )  # fmt: skip
    return Chart(chart_id, _chart_json(figure.to_plotly_json()))


def _posts(rows: list[dict[str, Any]]) -> list[dict[str, str | None]]:
    out: list[dict[str, str | None]] = []
    for r in rows:
        label = r.get("sentiment")
        figures = t("report.post_figures", engagement=fmt(int(r["engagement"] or 0)))
        if label:
            figures += f" · {t(f'report.sentiment.{label}')}" if label != "unknown" else ""
        created = r["created_at"]
        out.append(
            {
                "author": str(r["author"]),
                "network": str(r["network"]),
                "created_at": created.strftime("%Y-%m-%d %H:%M") if created else "",
                "text": str(r["text"] or ""),
                "url": safe_url(post_url(str(r["uri"]), str(r["network"]))),
                "figures": figures,
            }
        )
    return out


def _totals(rows: list[dict[str, Any]], keys: list[str]) -> dict[str, int]:
    return {k: sum(int(r[k] or 0) for r in rows) for k in keys}


def _activity(ctx: AnalyticsContext, kind: str, entity: str, period: Period) -> Section:
    tz = ctx.config.workspace.timezone
    rows = entity_daily(ctx.engine, kind, entity, period.since, period.until, tz)
    totals = _totals(rows, ["originals", "replies", "reposts", "engagement"])
    section = Section(t("report.activity"))
    section.figures = [(t(f"report.{k}"), fmt(v)) for k, v in totals.items()]
    if rows:
        series = [(k, t(f"report.{k}")) for k in ("originals", "replies", "reposts")]
        section.charts.append(_series_chart(f"{kind}-activity", rows, series,
                                            t("report.activity_chart")))  # fmt: skip
        section.charts.append(
            _series_chart(f"{kind}-engagement", rows, [("engagement", t("report.engagement"))],
                          t("report.engagement_chart"))
        )  # fmt: skip
    else:
        section.note = t("report.no_posts")
    return section


def _mentions(ctx: AnalyticsContext, watch: str, period: Period, title: str) -> Section:
    tz = ctx.config.workspace.timezone
    rows = watch_daily(ctx.engine, watch, period.since, period.until, tz)
    totals = _totals(rows, ["posts", "positive", "neutral", "negative"])
    section = Section(title)
    section.figures = [(t(f"report.{k}"), fmt(v)) for k, v in totals.items()]
    if rows:
        series = [(k, t(f"report.sentiment.{k}")) for k in ("positive", "neutral", "negative")]
        section.charts.append(_series_chart(f"{watch}-mentions".replace(":", "-"), rows, series,
                                            t("report.mentions_chart")))  # fmt: skip
    else:
        section.note = t("report.no_mentions")
    top = watch_top_posts(ctx.engine, watch, period.since, period.until, TOP_POSTS)
    section.posts = _posts(top)
    return section


def _profile_section(ctx: AnalyticsContext, leader_id: str, period: Period) -> Section:
    return profile_section(profile(ctx, leader_id, period))


def profile_section(data: dict[str, Any]) -> Section:
    """The leader profile (``veille.analytics.profile.profile``'s dict) as a section: the
    Index, rank and cohort size, the components (value, percentile, rank), and the scalar
    figures of conversation quality and of what others say; missing values with their
    reason."""
    section = Section(t("report.profile"))
    section.figures = [
        (t("report.index"), fmt(data.get("index"))),
        (t("report.rank"), fmt(data.get("rank"))),
        (t("report.ranked_among"), fmt(data.get("ranked_among"))),
    ]
    components = data.get("components") or {}
    if components:
        rows = [
            [
                str(name),
                fmt({"value": c.get("value"), "reason": c.get("reason")}),
                fmt(c.get("percentile")),
                fmt(c.get("rank")),
            ]
            for name, c in components.items()
            if isinstance(c, dict)
        ]
        section.tables.append(TableBlock(
            [t("report.component"), t("report.value"), t("report.percentile"), t("report.rank")],
            rows,
        ))  # fmt: skip
    for key in ("conversation", "what_others_say"):
        block = data.get(key)
        if isinstance(block, dict):
            rows = [
                [str(k), fmt(v)]
                for k, v in block.items()
                if not isinstance(v, list | dict) or (isinstance(v, dict) and "value" in v)
            ]
            if rows:
                section.tables.append(TableBlock([t(f"report.{key}"), t("report.value")], rows))
    return section


def _channels_section(ctx: AnalyticsContext, leader_id: str, period: Period) -> Section:
    data = channels(ctx, find_leader(ctx.config, leader_id), period)
    section = Section(t("report.channels"))
    rows = [
        [str(n["network"]), fmt(n.get("stakeholders")), share(n.get("active_share")),
         fmt(n.get("score")), str(n.get("leader_status") or ""), str(n.get("recommendation") or ""),
         str(n.get("reason") or "")]
        for n in data.get("networks", [])
    ]  # fmt: skip
    section.tables.append(TableBlock(
        [t("report.network"), t("report.stakeholders"), t("report.active_share"),
         t("report.score"), t("report.status"), t("report.advice"), t("report.reason")], rows,
    ))  # fmt: skip
    return section


def _ambassadors_section(ctx: AnalyticsContext, org_id: str, period: Period) -> Section:
    data = ambassadors(ctx, org_id, period)
    section = Section(t("report.ambassadors"))
    section.figures = [
        (t("report.employees"), fmt(data.get("employees"))),
        (t("report.amplifiers"), fmt(data.get("amplifiers"))),
        (t("report.reach_added"), fmt(data.get("reach_added"))),
    ]
    rows = [
        [str(a.get("handle") or a.get("account")), str(a.get("network")),
         fmt(a.get("amplifications")), fmt(a.get("reach_added"))]
        for a in (data.get("ambassadors") or [])[:15]
    ]  # fmt: skip
    if rows:
        section.tables.append(TableBlock(
            [t("report.account"), t("report.network"), t("report.amplifications"),
             t("report.reach_added")], rows,
        ))  # fmt: skip
    return section


def build_report(
    ctx: AnalyticsContext, period: Period, *, leader: str | None = None,
    organisation: str | None = None, watch: str | None = None,
) -> Report:  # fmt: skip
    """The report on exactly one of ``leader``, ``organisation``, ``watch``."""
    given = [x for x in (leader, organisation, watch) if x is not None]
    if len(given) != 1:
        raise UsageError(t("report.one_subject"))
    when = t("report.period", since=period.since.date().isoformat(),
             until=period.until.date().isoformat())  # fmt: skip
    stamp = t("report.generated", at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    subtitle = f"{when} · {stamp}"
    if leader is not None:
        who = find_leader(ctx.config, leader)
        sections = [
            _profile_section(ctx, who.id, period),
            _activity(ctx, "leader", who.id, period),
            _channels_section(ctx, who.id, period),
        ]
        sections.append(_mentions(ctx, f"leader:{who.id}", period, t("report.named")))
        top = Section(t("report.top_posts"))
        top.posts = _posts(entity_top_posts(ctx.engine, "leader", who.id, period.since,
                                            period.until, TOP_POSTS))  # fmt: skip
        if not top.posts:
            top.note = t("report.no_posts")
        sections.append(top)
        role = f" ({who.role})" if who.role else ""
        return Report("leader", who.id, f"{who.name}{role}", subtitle, sections)
    if organisation is not None:
        org = find_organisation(ctx.config, organisation)
        sections = [
            _activity(ctx, "organisation", org.id, period),
            _mentions(ctx, f"organisation:{org.id}", period, t("report.named")),
            _ambassadors_section(ctx, org.id, period),
        ]
        return Report("organisation", org.id, org.name, subtitle, sections)
    assert watch is not None
    known = {w.id: w for w in ctx.config.watches}
    if watch not in known:
        import difflib

        close = difflib.get_close_matches(watch, list(known), n=3, cutoff=0.5)
        hint = (f"Did you mean: {', '.join(close)}?" if close
                else f"Known watches: {', '.join(known) or 'none in veille.toml'}")  # fmt: skip
        raise UsageError(f"unknown watch {watch!r}", hint=hint)
    item = known[watch]
    section = _mentions(ctx, item.id, period, t("report.matches"))
    section.note = (section.note + " · " if section.note else "") + t("report.query", q=item.query)
    return Report("watch", item.id, item.name or item.id, subtitle, [section])


def render_report(report: Report, lang: str, *, plotly_src: str = PLOTLY_JS,
                  charts: bool = True) -> str:  # fmt: skip
    from veille.reports.digest_render import _env

    template = _env().get_template("report.html.j2")
    return template.render(
        lang="fr" if lang == "fr" else "en",
        title=report.title,
        subtitle=report.subtitle,
        sections=report.sections,
        charts=charts and report.charts > 0,
        plotly_src=plotly_src,
        L_original=t("report.original"),
        footer=t("report.footer"),
    )


def plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY_JS


def write_report(report: Report, out: Path, lang: str) -> list[Path]:
    """Write ``out`` (.html, or .pdf with WeasyPrint) and, for HTML, plotly.js beside it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        try:
            from weasyprint import HTML  # type: ignore[import-not-found]
        except ImportError:
            raise UsageError(
                t("report.no_weasyprint"), hint=t("report.no_weasyprint.hint")
            ) from None
        HTML(string=render_report(report, lang, charts=False), base_url=str(out.parent)).write_pdf(
            str(out)
        )
        return [out]
    out.write_text(render_report(report, lang), "utf-8")
    written = [out]
    if report.charts:
        target = out.parent / PLOTLY_JS
        source = plotly_js_path()
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
        written.append(target)
    return written
