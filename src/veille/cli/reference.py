"""The CLI reference (``docs/cli.md``), generated from the commands themselves:
``python -m veille.cli.reference > docs/cli.md``. A test checks that it is up to date."""

from __future__ import annotations

from typing import Any

from typer.main import get_command

from veille.cli.app import app


def _param(param: Any) -> str:
    if param.param_type_name == "argument":
        names = f"`{param.metavar or param.name.upper()}`"
    else:
        names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    help_text = " ".join((getattr(param, "help", None) or "").split())
    default = param.default
    hidden = default in (None, False, (), []) or callable(default)
    shown = "" if hidden else f" (default: `{default}`)"
    return f"| {names} | {help_text}{shown} |"


def _command(path: str, command: Any) -> list[str]:
    lines = [f"## `{path}`", "", " ".join((command.help or "").split()), ""]
    params = [p for p in command.params if p.name != "help"]
    if params:
        lines += ["| argument / option | meaning |", "| --- | --- |"]
        lines += [_param(p) for p in params]
        lines.append("")
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            lines += _command(f"{path} {name}", command.commands[name])
    return lines


#: What every command's exit status means (``veille.errors``).
EXIT_CODES = (
    "- `0`: done.",
    "- `1`: an error (a network that failed for good, a damaged store...), said in one line.",
    "- `2`: bad usage or input: an unknown option, source or id, a `veille.toml` error (with",
    "  its line), a query syntax error, or a write command on a read-only workspace.",
    "- `3`: the workspace is owned by another process (`veille run`, `listen`, `serve`, an",
    "  import) and the command must own it itself (`import`, `collect`, `listen`, `run`,",
    "  `serve`, `rebuild`, `forget`, `demo`, `init`): the message names the owner (pid,",
    "  command, since). In a terminal the command waits for the owner instead, saying so.",
    "  Every other command is run by the owner and exits with its own code.",
    "- `141`: the reader of a command run by the owner went away (`| head`).",
)


def reference() -> str:
    root: Any = get_command(app)
    lines = [
        "# veille command reference",
        "",
        "Generated from the commands by `python -m veille.cli.reference > docs/cli.md`;",
        "`tests/test_docs.py` checks that it is up to date.",
        "",
    ]
    for name in sorted(root.commands):
        lines += _command(f"veille {name}", root.commands[name])
    lines += ["## Exit codes", "", *EXIT_CODES, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(reference(), end="")
