"""``veille query check|explain QUERY`` and ``veille search QUERY``: the watch query language
on the command line (``docs/query-language.md``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from veille.cli.common import DataTable, console, print_json, print_jsonl
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.query import explain, parse
from veille.query.ast import terms, to_query
from veille.query.sql import compile_sql

register_messages(
    {
        "query.cli.valid": ("requête valide", "valid query"),
        "query.cli.no_results": ("aucun message ne correspond", "no post matches"),
        "query.cli.bad_format": (
            "format inconnu « {fmt} » (table, json ou jsonl)",
            "unknown format '{fmt}' (table, json or jsonl)",
        ),
    }
)


def _check(query: str) -> None:
    node = parse(query)
    print(t("query.cli.valid"))
    print(f"query:   {to_query(node)}")
    print(f"matches: {explain(node)}")
    print(f"terms:   {len(terms(node))}")


def _search(query: str, workspace: Path, limit: int, fmt: str) -> None:
    if fmt not in ("table", "json", "jsonl"):
        raise UsageError(t("query.cli.bad_format", fmt=fmt))
    node = parse(query)
    compiled = compile_sql(node)
    from veille.store.read import search_posts
    from veille.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        rows = search_posts(ws.store.con, compiled, limit)
    if fmt == "json":
        print_json(rows)
    elif fmt == "jsonl":
        for row in rows:
            print_jsonl(row)
    elif not rows:
        print(t("query.cli.no_results"), file=sys.stderr)
    else:
        table = DataTable("created_at", "network", "author", "text", "uri")
        for row in rows:
            table.add_row(
                str(row["created_at"] or ""), row["network"], row["author"] or "",
                (row["text"] or "").replace("\n", " ")[:200], row["uri"],
            )  # fmt: skip
        console.print(table)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Check and explain watch queries / vérifier les requêtes.")

    @group.command("check")
    def check(
        query: str = typer.Argument(..., help="The query, e.g. 'acme NEAR/3 rachat'."),
    ) -> None:
        """Check a query: exit 0 and print its normalised form, or exit 2 with the error."""
        _check(query)

    @group.command("explain")
    def explain_cmd(query: str = typer.Argument(...)) -> None:
        """Print the normalised query and the SQL used for history search."""
        _check(query)
        compiled = compile_sql(query)
        print(f"sql:     {compiled.sql}")
        print(f"params:  {json.dumps(compiled.params, ensure_ascii=False)}")

    app.add_typer(group, name="query")

    @app.command("search")
    def search(
        query: str = typer.Argument(..., help="The query."),
        workspace: Path = typer.Option(Path("."), "--workspace", "-w", help="Workspace folder."),
        limit: int = typer.Option(50, "--limit", "-n", min=1, help="At most this many posts."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, json or jsonl."),
    ) -> None:
        """Stored posts that match a query, newest first."""
        _search(query, workspace, limit, fmt)
