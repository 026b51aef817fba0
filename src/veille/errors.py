"""Errors that users see. Each says what went wrong, where, and what to do."""

from __future__ import annotations


class VeilleError(Exception):
    """An error for the user: printed as one clear line, exit code ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(VeilleError):
    """Bad arguments, missing file, wrong format: exit code 2."""

    exit_code = 2


class ConfigError(VeilleError):
    """``veille.toml`` is invalid. The message names the file, line and field."""

    exit_code = 2


class SourcesUnreachable(VeilleError):
    """Every source of a collection failed (network down, hosts unreachable): exit 1."""

    exit_code = 1


class WorkspaceBusy(VeilleError):
    """Another process owns the workspace. ``root`` is the workspace and ``owner`` what its
    lock file says of the owner (pid, command, since, and the address of the service that
    answers other commands' reads, when it runs one)."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        root: object = None,
        owner: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.root = root
        self.owner = owner or {}
