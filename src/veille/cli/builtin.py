"""Registers the built-in commands through the plugin hook, like any third party."""

from __future__ import annotations

import importlib

import typer

from veille.hookspecs import hookimpl

#: Modules that define ``register(app: typer.Typer) -> None``.
MODULES: tuple[str, ...] = (
    "veille.cli.workspace_cmd",
    "veille.cli.import_cmd",
    "veille.cli.demo_cmd",
    "veille.cli.collect_cmd",
    "veille.cli.simulate_cmd",
    "veille.cli.query_cmd",
    "veille.cli.enrich_cmd",
    "veille.cli.train_cmd",
    "veille.cli.rank_cmd",
    "veille.cli.leader_cmd",
    "veille.cli.export_cmd",
    "veille.cli.graph_cmd",
    "veille.cli.cohort_cmd",
    "veille.cli.objectives_cmd",
    "veille.cli.listening_cmd",
    "veille.cli.serve_cmd",
    "veille.cli.check_cmd",
    "veille.cli.digest_cmd",
    "veille.cli.report_cmd",
    "veille.cli.signals_cmd",
    "veille.cli.eval_cmd",
    "veille.cli.alerts_cmd",
)


@hookimpl
def veille_commands(app: typer.Typer) -> None:
    for name in MODULES:
        importlib.import_module(name).register(app)
