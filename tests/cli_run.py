"""Run the real ``veille`` command in-process and get the exit code that ``veille`` itself
would give: typer's CliRunner on ``veille.cli.app:app`` lets a ``VeilleError`` out as an
exception, which ``veille.cli.app.main`` turns into its exit code (2 for bad usage)."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from veille.errors import VeilleError


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    error: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr + (str(self.error) if self.error else "")


def veille_cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    from veille.cli.app import app

    result = CliRunner().invoke(app, list(args), env=env)
    error = result.exception
    code = result.exit_code
    if isinstance(error, VeilleError):
        code = error.exit_code
    elif isinstance(error, SystemExit):
        error = None
    return Ran(code=code, stdout=result.stdout, stderr=result.stderr, error=error)
