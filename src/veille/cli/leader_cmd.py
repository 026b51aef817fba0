"""``veille leader ID``: the leader profile on one screen (``veille.analytics.profile``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from veille.cli.common import WorkspaceOption, console, print_json
from veille.cli.rank_cmd import _check_format, analytics_context, fmt_value
from veille.workspace.config import INDEX_COMPONENTS


def _figure(value: Any, spec: str = "") -> str:
    if isinstance(value, dict):
        return f"— ({value.get('reason')})"
    if value is None:
        return "—"
    return format(value, spec) if spec else str(value)


def _print_profile(p: dict[str, Any]) -> None:
    head = f"[bold]{escape(p['name'])}[/] ({escape(p['leader'])})"
    if p.get("role") or p.get("organisation"):
        head += escape(f", {p.get('role') or ''} {p.get('organisation') or ''}".rstrip())
    console.print(head)
    console.print(
        escape(
            f"{p['period']['since'][:16]} -> {p['period']['until'][:16]}: index "
            f"{_figure(p['index'], '.1f')}, rank {_figure(p['rank'])} of "
            f"{p['ranked_among']}, change {_figure(p['rank_change'], '+d')}"
        )
    )
    comp = Table("component", "value", "percentile", "rank", "note", title="Leader Index")
    for name in INDEX_COMPONENTS:
        c = p["components"][name]
        pct = "—" if c["percentile"] is None else f"{c['percentile']:.0f}"
        comp.add_row(
            name, escape(fmt_value(name, c["value"])), pct, str(c["rank"] or "—"),
            escape(c.get("reason") or c.get("note") or ""),
        )  # fmt: skip
    console.print(comp)
    hist = Table("period", "index", "rank", title="History")
    for h in p["history"]:
        hist.add_row(
            f"{h['since'][:10]} -> {h['until'][:10]}", _figure(h["index"], ".1f"),
            _figure(h["rank"]),
        )  # fmt: skip
    console.print(hist)
    nets = Table(
        "network", "status", "followers", "growth", "originals", "replies", "engagement",
        "mentioners", "answered", title="Networks",
    )  # fmt: skip
    for net, n in p["networks"].items():
        if n["status"] == "absent":
            nets.add_row(net, "absent", *["—"] * 7)
            continue
        nets.add_row(
            net, n["status"], fmt_value("reach", n["followers"]),
            fmt_value("growth", n["growth"]), str(n["originals"]), str(n["replies"]),
            fmt_value("engagement", n["engagement_rate"]), str(n["mentioners"]),
            str(n["answered"]),
        )  # fmt: skip
    console.print(nets)
    c = p["conversation"]
    console.print(
        "[bold]Conversation[/]: "
        + escape(
            f"{c['style']}; responsiveness {_figure(c['responsiveness'], '.2f')} "
            f"({c['answered_within_48h']} of {c['mentioners']} answered within 48 h), "
            f"dialogue ratio {_figure(c['dialogue_ratio'], '.2f')}, median response "
            f"{_figure(c['median_response_minutes'], '.0f')} min"
        )
    )
    for u in c["unanswered"]:
        console.print(
            escape(f"  unanswered {u['created_at'][:16]} @{u['author']}: {u['text'][:100]}")
        )
    if p["top_posts"]:
        top = Table("when", "network", "interactions", "rate", "text", title="Top posts")
        for post in p["top_posts"]:
            top.add_row(
                post["created_at"][:16], post["network"], str(post["interactions"]),
                fmt_value("engagement", post["engagement_rate"]),
                escape(post["text"][:90].replace("\n", " ")),
            )  # fmt: skip
        console.print(top)
    w = p["what_others_say"]
    if not w.get("posts"):
        console.print(escape(f"What others say: {w.get('reason', 'nothing')}"))
        return
    raw, rep = w["net_sentiment"], w["representative"]

    def ns(x: dict[str, Any]) -> str:
        if x.get("value") is None:
            return f"— ({x.get('reason')})"
        return f"{x['value']:+.2f} [{x['ci95'][0]:+.2f}, {x['ci95'][1]:+.2f}]"

    console.print(
        "[bold]What others say[/]: "
        + escape(
            f"{w['posts']} labelled posts by {w['authors']} authors (effective "
            f"{_figure(w['effective_authors'], '.1f')}); net sentiment {ns(raw)}, "
            f"representative (≤{w['cap_per_author']} per author) {ns(rep)}"
        )
    )
    if w["loud_minority"]:
        console.print(
            "[bold yellow]"
            + escape(
                f"Loud minority: {w['loud_authors']} authors wrote "
                f"{100 * w['loud_negative_share']:.0f}% of the negative posts"
            )
            + "[/]"
        )
    classes = Table("stakeholder class", "posts", "authors", "net sentiment")
    for name, k in w["by_class"].items():
        v = k["net_sentiment"]
        classes.add_row(
            escape(name), str(k["posts"]), str(k["authors"]),
            "—" if v.get("value") is None else f"{v['value']:+.2f}",
        )  # fmt: skip
    console.print(classes)


def leader_command(
    leader_id: str = typer.Argument(..., help="The leader's registry id."),
    workspace: Path = WorkspaceOption,
    cohort: str | None = typer.Option(None, "--cohort", help="Rank within this cohort."),
    period: str | None = typer.Option(None, "--period", help="Period length: 28d, 12w..."),
    since: str | None = typer.Option(None, "--since", help="Start (YYYY-MM-DD or ISO)."),
    until: str | None = typer.Option(None, "--until", help="End, excluded (default: now)."),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    spark_master: str | None = typer.Option(
        None, "--spark-master", envvar="VEILLE_SPARK_MASTER", help="Spark master URL."
    ),
) -> None:
    """One leader's profile: Index and history, networks, conversation, top posts and what
    others say."""
    _check_format(fmt)
    from veille.analytics.cohort import leader as find_leader
    from veille.analytics.profile import profile

    with analytics_context(workspace, engine, spark_master) as ctx:
        find_leader(ctx.config, leader_id)
        chosen = ctx.period(period or (None if since else ctx.config.index.period), since, until)
        data = profile(ctx, leader_id, chosen, cohort=cohort)
    if fmt == "json":
        print_json(data)
    else:
        _print_profile(data)


def register(app: typer.Typer) -> None:
    app.command("leader")(leader_command)
