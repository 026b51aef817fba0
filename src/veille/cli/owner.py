"""The owner answers other commands: while a process owns a workspace (``veille run``,
``listen``, ``serve``, an import...), a command that finds it busy asks the owner to run it.

DuckDB lets one process open a store for writing, and then no other process may open it at
all. So the owner runs a small service on the loopback interface (``127.0.0.1``, a port
chosen by the system) and writes its port and a random token into the workspace's lock file
(``data/owner.lock``, readable by its user only). A command that meets ``WorkspaceBusy``
reads them, sends its arguments, and prints what the owner streams back: its output, its
errors and its exit code. The owner runs the command in a thread of its own on the same open
workspace (``workspace.borrowing``): reads use their own DuckDB cursor and never block the
collection, and anything the command writes is a job on the owner's one writer.

Not every command can run inside another process: those that own a workspace themselves
(``run``, ``listen``, ``serve``, ``collect``, ``demo``, ``init``), those that rewrite the
store or the raw log wholesale (``rebuild``, ``forget``), and ``import``, whose long stream
of files belongs to its own process. Those say that the workspace is busy (exit 3); in a
terminal they wait for it, saying so, until the owner stops or Ctrl-C.

Paths given as options (``--out report.html``, ``--file draft.txt``) are made absolute
before they are sent, since the owner's current folder is not the caller's; a command with
a path *argument* is not sent.

The protocol is one JSON object a line over TCP. Request: ``{"token", "argv", "lang",
"stdin"}`` (``stdin``: base64 of what the caller's standard input held, sent for a command
that reads ``-``).
Replies: ``{"out": TEXT}`` and ``{"err": TEXT}`` as the command prints, then
``{"exit": CODE}``.
"""

from __future__ import annotations

import base64
import hmac
import io
import json
import os
import secrets
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO, TextIO

# typer builds its commands on its own copy of click
from typer._click import ClickException, Command, Parameter
from typer.core import TyperArgument, TyperGroup

from veille.errors import WorkspaceBusy
from veille.i18n import current_language, messages_in, t
from veille.workspace.workspace import (
    DATA_NAME,
    Workspace,
    acquire_owner_lock,
    borrowing,
    release_owner_lock,
)

#: Commands never run by an owner for another process (see the module's docstring).
NOT_DELEGABLE = frozenset(
    {"run", "listen", "serve", "collect", "demo", "init", "rebuild", "forget", "import"}
)
#: Commands that read their whole standard input before anything else (a draft): the
#: only ones whose input is read ahead to be sent to an owner. Others (``enrich --text -``)
#: stream it and are left alone.
READS_WHOLE_STDIN = frozenset({"check"})
#: The largest request line accepted (arguments of a command, not data).
MAX_REQUEST = 256 * 1024
LOOPBACK = "127.0.0.1"


# --- output of each thread to its own sink ----------------------------------------------


class _Router(io.TextIOBase):
    """Stands for ``sys.stdout`` or ``sys.stderr`` in the owner: what a served thread prints
    goes to its caller, what the owner's own threads print goes where it always went."""

    def __init__(self, original: TextIO, name: str) -> None:
        self.original = original
        self.local = threading.local()
        self.name = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "strict"

    def _sink(self) -> Callable[[str], None] | None:
        return getattr(self.local, "sink", None)

    def write(self, text: str) -> int:
        sink = self._sink()
        if sink is None:
            return self.original.write(text)
        if text:
            sink(text)
        return len(text)

    def flush(self) -> None:
        if self._sink() is None:
            self.original.flush()

    def isatty(self) -> bool:
        return False if self._sink() is not None else self.original.isatty()

    def fileno(self) -> int:
        if self._sink() is not None:
            raise io.UnsupportedOperation("a served command has no file descriptor")
        return self.original.fileno()

    def writable(self) -> bool:
        return True


class _InputRouter(io.TextIOBase):
    """Stands for ``sys.stdin`` in the owner: a served thread reads what its caller sent
    (``veille check -``), or nothing; never the owner's own terminal."""

    def __init__(self, original: TextIO) -> None:
        self.original = original
        self.local = threading.local()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def _given(self) -> io.StringIO | None:
        return getattr(self.local, "given", None)

    @property
    def buffer(self) -> BinaryIO:
        given: io.BytesIO | None = getattr(self.local, "given_bytes", None)
        return self.original.buffer if given is None else given

    def read(self, size: int | None = -1) -> str:
        given = self._given()
        n = -1 if size is None else size
        return self.original.read(n) if given is None else given.read(n)

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        given = self._given()
        n = -1 if size is None else size
        return self.original.readline(n) if given is None else given.readline(n)

    def isatty(self) -> bool:
        return False if self._given() is not None else self.original.isatty()

    def fileno(self) -> int:
        if self._given() is not None:
            raise io.UnsupportedOperation("a served command has no file descriptor")
        return self.original.fileno()

    def readable(self) -> bool:
        return True


_routers: dict[str, _Router] = {}
_stdin: list[_InputRouter] = []
_routers_lock = threading.Lock()


def _install_routers() -> tuple[_Router, _Router]:
    with _routers_lock:
        if not _routers:
            _routers["out"] = _Router(sys.stdout, "<stdout>")
            _routers["err"] = _Router(sys.stderr, "<stderr>")
            _stdin.append(_InputRouter(sys.stdin))
            sys.stdout = _routers["out"]
            sys.stderr = _routers["err"]
            sys.stdin = _stdin[0]
        return _routers["out"], _routers["err"]


@contextmanager
def _printing_to(
    out: Callable[[str], None], err: Callable[[str], None], given: bytes
) -> Iterator[None]:
    router_out, router_err = _install_routers()
    router_out.local.sink, router_err.local.sink = out, err
    _stdin[0].local.given = io.StringIO(given.decode("utf-8", "replace"))
    _stdin[0].local.given_bytes = io.BytesIO(given)
    try:
        yield
    finally:
        router_out.local.sink = router_err.local.sink = None
        _stdin[0].local.given = _stdin[0].local.given_bytes = None


# --- the service ------------------------------------------------------------------------


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, ws: Workspace, token: str, runner: Callable[[list[str]], int]) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.ws = ws
        self.token = token
        self.runner = runner


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        lock = threading.Lock()

        def send(obj: dict[str, Any]) -> None:
            data = (json.dumps(obj, ensure_ascii=False) + "\n").encode()
            with lock:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the caller went away; the command ends anyway
                    pass

        line = self.rfile.readline(MAX_REQUEST + 1)
        try:
            request = json.loads(line)
            argv = request["argv"]
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                raise TypeError("argv")
            token = str(request.get("token", ""))
        except (ValueError, KeyError, TypeError):
            send({"err": "veille: bad request to the owner service\n"})
            send({"exit": 2})
            return
        if not hmac.compare_digest(token, self.server.token):
            send({"err": "veille: refused: wrong token for the owner service\n"})
            send({"exit": 2})
            return
        if not argv or argv[0] in NOT_DELEGABLE:
            send({"err": f"veille: {argv[0] if argv else '(none)'} cannot be sent\n"})
            send({"exit": 3})
            return
        lang = request.get("lang")
        try:
            given = base64.b64decode(str(request.get("stdin") or ""), validate=True)
        except ValueError:
            given = b""
        code = 1
        try:
            with (
                messages_in(lang if isinstance(lang, str) else None),
                borrowing(self.server.ws.root),
                _printing_to(
                    lambda s: send({"out": s}),
                    lambda s: send({"err": s}),
                    given,
                ),
            ):
                code = self.server.runner(argv)
        finally:
            self.server.ws.store.release_cursor()
            send({"exit": code})


def start_service(ws: Workspace, runner: Callable[[list[str]], int]) -> Callable[[], None]:
    """Serve ``ws`` to other commands (``runner`` runs a command line and returns its exit
    code); returns the function that stops the service."""
    token = secrets.token_urlsafe(32)
    server = _Server(ws, token, runner)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        name="veille-owner",
        daemon=True,
    )
    thread.start()
    _install_routers()
    ws.advertise({"host": LOOPBACK, "port": server.server_address[1], "token": token})

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


# --- the caller -------------------------------------------------------------------------


def _leaf(argv: list[str]) -> Command | None:
    """The command that ``argv`` runs, through its groups."""
    from typer.main import get_command

    from veille.cli.app import app

    cmd: Command = get_command(app)
    ctx = cmd.make_context("veille", list(argv), resilient_parsing=True)
    while isinstance(cmd, TyperGroup):
        # click keeps the subcommand's name apart from its arguments
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            return None
        name, sub, rest = cmd.resolve_command(ctx, rest)
        if sub is None or name is None:
            return None
        cmd = sub
        ctx = cmd.make_context(name, list(rest), parent=ctx, resilient_parsing=True)
    return cmd


def delegable_argv(argv: list[str], root: Path, cwd: Path) -> list[str] | None:
    """``argv`` as the owner must run it (option paths made absolute against ``cwd``, the
    workspace given as ``root``), or None when the command cannot be sent."""
    if not argv or argv[0] in NOT_DELEGABLE:
        return None
    try:
        cmd = _leaf(argv)
    except ClickException:
        return None
    if cmd is None:
        return None
    paths: dict[str, Parameter] = {}
    for param in cmd.params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or not descriptor.is_path:
            continue
        if isinstance(param, TyperArgument):
            return None  # a path argument: its place in argv is not ours to guess
        for opt in param.opts:
            paths[opt] = param
    out: list[str] = []
    has_workspace = False
    i = 0
    while i < len(argv):
        token = argv[i]
        name, eq, value = token.partition("=")
        if name in paths and name.startswith("--") and eq:
            if paths[name].name == "workspace":
                has_workspace = True
                value = str(root)
            out.append(f"{name}={_absolute(value, cwd)}")
        elif token in paths and i + 1 < len(argv):
            if paths[token].name == "workspace":
                has_workspace = True
                out += [token, str(root)]
            else:
                out += [token, _absolute(argv[i + 1], cwd)]
            i += 1
        else:
            out.append(token)
        i += 1
    if not has_workspace and any(p.name == "workspace" for p in cmd.params):
        out += ["--workspace", str(root)]
    return out


def _absolute(value: str, cwd: Path) -> str:
    if value == "-" or not value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (cwd / path))


#: The caller's standard input, read ahead by ``keep_stdin`` so that it can be sent to the
#: owner after the command met the busy workspace (it may have read it already).
_kept_stdin: bytes | None = None


class _Replay(io.RawIOBase):
    """What was read ahead, then the rest of the stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = io.BytesIO(head)
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.head.readinto(buffer)
        if n:
            return n
        data = self.rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def keep_stdin(argv: list[str]) -> None:
    """For a command that reads ``-`` from a pipe, read ahead up to ``MAX_REQUEST // 2``
    bytes of standard input and put them back in front of it: the command reads it as
    before, and the owner can be sent it whole when the command meets a busy workspace (a
    longer input is not sent: that command then says the workspace is busy)."""
    global _kept_stdin
    _kept_stdin = None
    if not argv or argv[0] not in READS_WHOLE_STDIN or "-" not in argv:
        return
    if sys.stdin is None or sys.stdin.isatty():
        return
    try:
        raw = sys.stdin.buffer
    except AttributeError:
        return
    limit = MAX_REQUEST // 2
    head = raw.read(limit + 1)
    if len(head) <= limit:
        _kept_stdin = head
    sys.stdin = io.TextIOWrapper(io.BufferedReader(_Replay(head, raw)), encoding="utf-8")


def ask_owner(busy: WorkspaceBusy, argv: list[str]) -> int | None:
    """Run ``argv`` in the process that owns the busy workspace and print what it prints;
    its exit code, or None when the owner runs no service or cannot be reached."""
    service = busy.owner.get("service")
    if not isinstance(service, dict) or busy.root is None:
        return None
    sent = delegable_argv(argv, Path(str(busy.root)), Path.cwd())
    if sent is None:
        return None
    request: dict[str, Any] = {
        "token": service.get("token"),
        "argv": sent,
        "lang": current_language(),
    }
    if "-" in sent:
        # a command reading its input from stdin (`veille check -`): send what it held
        if _kept_stdin is None:
            return None
        request["stdin"] = base64.b64encode(_kept_stdin).decode()
    try:
        conn = socket.create_connection(
            (str(service.get("host", LOOPBACK)), int(service.get("port", 0))), timeout=10
        )
    except (OSError, ValueError):
        return None  # the owner died or runs an older veille: busy, as before
    try:
        return _stream(conn, request)
    except BrokenPipeError:  # our reader went away (`| head`): stop quietly, as a pipe does
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _stream(conn: socket.socket, request: dict[str, Any]) -> int:
    code = 1
    with conn, conn.makefile("rwb") as stream:
        conn.settimeout(None)
        stream.write((json.dumps(request) + "\n").encode())
        stream.flush()
        for raw in stream:
            try:
                reply = json.loads(raw)
            except ValueError:
                continue
            if "out" in reply:
                sys.stdout.write(str(reply["out"]))
            elif "err" in reply:
                sys.stderr.write(str(reply["err"]))
            elif "exit" in reply:
                code = int(reply["exit"])
                break
        sys.stdout.flush()
    return code


def wait_for(busy: WorkspaceBusy, poll: float = 1.0) -> None:
    """Wait, saying so on stderr, until the busy workspace is free (Ctrl-C stops)."""
    root = Path(str(busy.root))
    sys.stderr.write(
        t(
            "ws.waiting",
            pid=busy.owner.get("pid", "?"),
            command=busy.owner.get("command", "?"),
        )
        + "\n"
    )
    sys.stderr.flush()
    while True:
        try:
            lock = acquire_owner_lock(root / DATA_NAME / "owner.lock")
        except WorkspaceBusy:
            time.sleep(poll)
            continue
        release_owner_lock(lock)
        return


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty() and not os.environ.get("CI")
