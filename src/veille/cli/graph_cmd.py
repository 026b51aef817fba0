"""``veille graph`` (the ecosystem: communities and top nodes), ``veille graph export``
(GEXF, GraphML, CSV for Gephi and Cytoscape), ``veille graph eval`` (community detection
scored on a labelled GML graph) and ``veille engage LEADER`` (who to engage)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from veille.analytics.context import AnalyticsContext, duckdb_context
from veille.cli.common import console, err, print_json
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "graph.cli.title": (
            "Écosystème ({scope}) : {nodes} comptes, {edges} liens, {period}",
            "Ecosystem ({scope}): {nodes} accounts, {edges} links, {period}",
        ),
        "graph.cli.communities": ("Communautés", "Communities"),
        "graph.cli.top": (
            "Comptes les plus centraux (PageRank)",
            "Most central accounts (PageRank)",
        ),
        "graph.cli.reciprocity": (
            "Réciprocité : {answered} des {addressed} comptes qui ont interpellé {leader} ont "
            "eu une réponse ({share})",
            "Reciprocity: {leader} answered {answered} of the {addressed} accounts who "
            "addressed them ({share})",
        ),
        "graph.cli.brokers": (
            "Passeurs (intermédiarité, {method})",
            "Brokers (betweenness, {method})",
        ),
        "graph.cli.written": ("écrit : {path}", "written: {path}"),
        "graph.cli.engage": ("Qui engager pour {leader}", "Who {leader} should engage"),
        "graph.cli.bad_format": (
            "--format {fmt} : format inconnu ({known})",
            "--format {fmt}: unknown format ({known})",
        ),
    }
)


@contextmanager
def _context(workspace: Path) -> Iterator[AnalyticsContext]:
    from veille.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        yield duckdb_context(ws.store.con, ws.config)


def _format(fmt: str, known: tuple[str, ...]) -> str:
    if fmt not in known:
        raise UsageError(t("graph.cli.bad_format", fmt=fmt, known=", ".join(known)))
    return fmt


WorkspaceOpt = typer.Option(Path("."), "--workspace", "-w", help="Workspace folder.")
PeriodOpt = typer.Option("90d", "--period", help="Period, e.g. 90d (the default), 12w.")
SinceOpt = typer.Option(None, "--since", help="Start date (YYYY-MM-DD), instead of --period.")
UntilOpt = typer.Option(None, "--until", help="End date, excluded (default: end of data).")
FollowsOpt = typer.Option(
    True, "--follows/--no-follows", help="Include follows as edges (weight 0.5)."
)


def _window(ctx: AnalyticsContext, period: str, since: str | None, until: str | None) -> Any:
    return ctx.period(None if since else period, since, until)


def _print_graph(value: dict[str, Any]) -> None:
    scope = value["scope"]["kind"]
    if value["scope"].get("leader"):
        scope += f" {value['scope']['leader']}, depth {value['scope']['depth']}"
    if value["scope"].get("watch"):
        scope += f" {value['scope']['watch']}"
    period = f"{value['period']['since'][:10]} / {value['period']['until'][:10]}"
    console.print(
        escape(
            t("graph.cli.title", scope=scope, nodes=value["nodes_total"],
              edges=value["edges_total"], period=period)
        )
    )  # fmt: skip
    for note in value["notes"]:
        err.print(escape(note))
    if value.get("reason"):
        err.print(escape(value["reason"]))
        return
    table = Table("id", "size", "label", "stakeholders", "leaders",
                  title=t("graph.cli.communities"))  # fmt: skip
    for c in value["communities"][:20]:
        mix = ", ".join(f"{k} {v}" for k, v in list(c["stakeholders"].items())[:4])
        table.add_row(str(c["id"]), str(c["size"]), escape(c["label"]), escape(mix),
                      escape(", ".join(c["leaders"][:5])))  # fmt: skip
    console.print(table)
    top = Table("#", "node", "handle", "PageRank", "community", "stakeholder",
                title=t("graph.cli.top"))  # fmt: skip
    for n, node in enumerate(value["nodes"], 1):
        top.add_row(str(n), escape(node["id"]), escape(node["handle"]), f"{node['pagerank']:.5f}",
                    str(node["community"]), escape(node["stakeholder"] or "n/a"))  # fmt: skip
    console.print(top)
    brokers = value.get("brokers")
    if brokers and brokers["top"]:
        table = Table("node", "handle", "betweenness", "community", "other communities",
                      title=t("graph.cli.brokers", method=brokers["method"]))  # fmt: skip
        for b in brokers["top"]:
            table.add_row(escape(b["id"]), escape(b["handle"]), f"{b['betweenness']:,.0f}",
                          str(b["community"]), str(b["other_communities"]))  # fmt: skip
        console.print(table)
    rec = value.get("reciprocity")
    if rec:
        share = f"{100 * rec['value']:.0f} %" if rec["value"] is not None else rec["reason"]
        console.print(escape(t("graph.cli.reciprocity", leader=value["leader"],
                                answered=rec["answered"], addressed=rec["addressed"],
                                share=share)))  # fmt: skip


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The ecosystem graph: communities, central accounts, brokers, exports.",
        invoke_without_command=True,
    )

    @group.callback(invoke_without_command=True)
    def graph(
        context: typer.Context,
        leader: str | None = typer.Option(None, "--leader", help="A leader's ego network."),
        depth: int = typer.Option(1, "--depth", min=1, max=2, help="Ego network hops: 1 or 2."),
        watch: str | None = typer.Option(None, "--watch", help="Accounts around a watch."),
        period: str = PeriodOpt,
        since: str | None = SinceOpt,
        until: str | None = UntilOpt,
        follows: bool = FollowsOpt,
        top: int = typer.Option(20, "--top", min=1, help="How many top nodes to list."),
        fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
        workspace: Path = WorkspaceOpt,
    ) -> None:
        """The communities and the most central accounts of the whole store, a leader's
        ego network (--leader, --depth) or the accounts around a watch (--watch)."""
        if context.invoked_subcommand is not None:
            return
        from veille.graph.brokers import betweenness, communities_touched
        from veille.graph.ecosystem import load, view

        _format(fmt, ("table", "json"))
        with _context(workspace) as ctx:
            window = _window(ctx, period, since, until)
            eco = load(ctx, window, leader=leader, depth=depth, watch=watch, follows=follows)
        value = view(eco, leader=leader, top=top)
        if not eco.built.empty:
            between = betweenness(eco.graph)
            touches = communities_touched(eco.graph, eco.membership)
            if between.note:
                value["notes"].append(between.note)
            order = sorted(range(len(eco.ids)), key=lambda i: -between.values[i])[:10]
            value["brokers"] = {
                **between.describe(),
                "top": [
                    {"id": eco.ids[i], "handle": eco.handle[i],
                     "betweenness": round(between.values[i], 3),
                     "community": eco.membership[i], "other_communities": touches[i]}
                    for i in order if between.values[i] > 0
                ],
            }  # fmt: skip
        if fmt == "json":
            print_json(value)
        else:
            _print_graph(value)

    @group.command("export")
    def export_cmd(
        fmt: str = typer.Option("gexf", "--format", "-f", help="gexf, graphml or csv."),
        out: Path = typer.Option(
            ..., "--out", "-o", help="File to write (csv: NAME.nodes.csv and NAME.edges.csv)."
        ),
        leader: str | None = typer.Option(None, "--leader", help="A leader's ego network."),
        depth: int = typer.Option(1, "--depth", min=1, max=2, help="Ego network hops."),
        watch: str | None = typer.Option(None, "--watch", help="Accounts around a watch."),
        period: str = PeriodOpt,
        since: str | None = SinceOpt,
        until: str | None = UntilOpt,
        follows: bool = FollowsOpt,
        workspace: Path = WorkspaceOpt,
    ) -> None:
        """Write the graph for Gephi or Cytoscape, with node attributes community,
        stakeholder, pagerank and leader."""
        from veille.graph.ecosystem import load
        from veille.graph.export import FORMATS, export

        _format(fmt, FORMATS)
        with _context(workspace) as ctx:
            window = _window(ctx, period, since, until)
            eco = load(ctx, window, leader=leader, depth=depth, watch=watch, follows=follows)
        for note in eco.notes:
            err.print(escape(note))
        if eco.reason:
            err.print(escape(eco.reason))
        for path in export(eco, fmt, out):
            err.print(escape(t("graph.cli.written", path=str(path))))

    @group.command("eval")
    def eval_cmd(
        gml: Path = typer.Option(..., "--gml", help="A GML graph with a node label."),
        label: str = typer.Option("value", "--label", help="The node attribute to score."),
        resolution: float = typer.Option(1.0, "--resolution", min=0.0, help="Leiden resolution."),
        seed: int = typer.Option(42, "--seed", help="Random seed."),
    ) -> None:
        """Run the community detection on a GML graph (undirected, largest component) and
        print one JSON line: nmi, ari, communities, seconds."""
        from veille.graph.evaluate import evaluate

        print(json.dumps(evaluate(gml, label, resolution=resolution, seed=seed)))

    app.add_typer(group, name="graph")

    @app.command("engage")
    def engage_cmd(
        leader: str = typer.Argument(..., help="A leader id of veille.toml."),
        target: int | None = typer.Option(
            None, "--target", help="A community id to bridge to (see veille graph)."
        ),
        period: str = PeriodOpt,
        since: str | None = SinceOpt,
        until: str | None = UntilOpt,
        follows: bool = FollowsOpt,
        top: int = typer.Option(20, "--top", min=1, help="How many accounts."),
        fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
        workspace: Path = WorkspaceOpt,
    ) -> None:
        """Who a leader should engage: accounts central in the leader's communities or
        bridging to another, never interacted with in the period; each with its reason."""
        from veille.graph.ecosystem import leader_node, load
        from veille.graph.engage import engage

        _format(fmt, ("table", "json"))
        from veille.analytics import ecosystem as data

        with _context(workspace) as ctx:
            leader_node(ctx, leader, data.entities(ctx.engine))
            window = _window(ctx, period, since, until)
            eco = load(ctx, window, follows=follows)
        value = engage(eco, leader, target=target, top=top)
        if fmt == "json":
            print_json(value)
            return
        if value.get("reason"):
            err.print(escape(value["reason"]))
        table = Table("#", "account", "stakeholder", "community", "kind", "score", "reason",
                      title=t("graph.cli.engage", leader=leader))  # fmt: skip
        for c in value["candidates"]:
            table.add_row(str(c["rank"]), escape(c["handle"]), escape(c["stakeholder"] or "n/a"),
                          str(c["community"]), c["kind"], f"{c['score']:.2f}",
                          escape(c["reason"]))  # fmt: skip
        console.print(table)
