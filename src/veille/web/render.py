"""Page rendering: the Jinja2 environment (autoescape always on), the language of a
request, the signed-in session, and the helpers every template gets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from veille.web import i18n
from veille.web.security import LANG_COOKIE, SESSION_COOKIE, Session
from veille.web.state import ServerState

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

NAV = (
    ("overview", "/"),
    ("leaders", "/leaders"),
    ("listening", "/listening"),
    ("signals", "/signals"),
    ("alerts", "/alerts"),
    ("ecosystem", "/ecosystem"),
    ("objectives", "/objectives"),
    ("presence", "/presence"),
    ("digest", "/digest"),
    ("check", "/check"),
    ("sources", "/sources"),
    ("settings", "/settings"),
)

#: The demo's visitor: can read everything, change nothing.
DEMO_SESSION = Session("demo", "demo", "viewer", "", float("inf"))


def state_of(request: Request) -> ServerState:
    state = request.app.state.veille
    assert isinstance(state, ServerState)
    return state


def lang_of(request: Request) -> str:
    state = state_of(request)
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return i18n.pick(asked, state.config.workspace.language)


def session_of(request: Request) -> Session | None:
    state = state_of(request)
    if state.demo:
        return DEMO_SESSION
    return state.sessions.get(request.cookies.get(SESSION_COOKIE))


@dataclass(frozen=True)
class Fmt:
    """Locale formatting bound to a language and the workspace's time zone."""

    lang: str
    tz: str

    def n(self, value: float | int | None, digits: int = 0) -> str:
        return i18n.number(self.lang, value, digits)

    def pct(self, value: float | None, digits: int = 1) -> str:
        return i18n.percent(self.lang, value, digits)

    def day(self, value: Any) -> str:
        return i18n.day(self.lang, value, self.tz)

    def at(self, value: Any) -> str:
        return i18n.moment(self.lang, value, self.tz)

    def dur(self, seconds: float | None) -> str:
        return i18n.duration(self.lang, seconds)


def url_with(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params)
    params.pop("lang", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def _plotly_guards() -> tuple[str, ...]:
    from veille.web.app import plotly_dir
    from veille.web.plotly_css import inline_style_guards

    return inline_style_guards(plotly_dir() / "plotly.min.js")


def _value(item: Any) -> Any:
    """A figure, or None where the analytics said ``{"value": null, "reason": ...}``."""
    return item.get("value") if isinstance(item, dict) else item


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    session: Session | None = None,
) -> HTMLResponse:
    state = state_of(request)
    lang = lang_of(request)
    session = session or session_of(request)
    active = next(
        (
            key
            for key, href in reversed(NAV)
            if request.url.path == href or (href != "/" and request.url.path.startswith(href + "/"))
        ),
        "overview" if request.url.path == "/" else "",
    )
    other = "en" if lang == "fr" else "fr"
    values = {
        "request": request,
        "lang": lang,
        "other_lang": other,
        "lang_url": url_with(request)
        + ("&" if "?" in url_with(request) else "?")
        + f"lang={other}",
        "t": partial(i18n.tr, lang),
        "fmt": Fmt(lang, state.config.workspace.timezone),
        "nav": NAV,
        "active": active,
        "session": session,
        "csrf": session.csrf if session else "",
        "demo": state.demo,
        "read_only": state.read_only,
        "workspace_name": state.config.workspace.name,
        "url_with": partial(url_with, request),
        "value": _value,
        "known_keys": i18n.MESSAGES,
        "plotly_guards": _plotly_guards,
        **(context or {}),
    }
    body = env.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code)
    asked = request.query_params.get("lang")
    if asked in i18n.LANGS:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 86400,
            samesite="strict",
            secure=True,
            httponly=True,
        )
    return response
