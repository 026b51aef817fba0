"""Logging in and out. The login form has its own CSRF token (a cookie and the same value in
the form: a forged cross-site post cannot read it); failed attempts are limited per client
address and per user name."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from veille.store import auth as store_auth
from veille.web.i18n import tr
from veille.web.render import lang_of, render, session_of, state_of
from veille.web.security import (
    DUMMY_HASH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    same,
    verify_password,
)

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path of this server (no scheme, no ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(
    request: Request, *, error: str | None = None, status_code: int = 200, user: str = ""
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "error": error,
            "user": user,
            "next": safe_next(request.query_params.get("next")),
        },
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, secure=True, samesite="strict"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if session_of(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _form(request)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    state = state_of(request)
    if state.demo:
        return RedirectResponse("/", status_code=303)
    lang = lang_of(request)
    if not same(csrf, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _form(request, error=tr(lang, "error.csrf"), status_code=403, user=username)
    client = request.client.host if request.client else "?"
    keys = (f"ip:{client}", f"user:{username.lower()}")
    wait = state.limiter.retry_after(*keys)
    if wait:
        response = _form(
            request,
            error=tr(lang, "login.limited", seconds=wait),
            status_code=429,
            user=username,
        )
        response.headers["retry-after"] = str(wait)
        return response
    with state.cursor() as cur:
        user = store_auth.get_user(cur, username)
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password)
    if user is None or user.disabled or not ok:
        state.limiter.failed(*keys)
        return _form(request, error=tr(lang, "login.failed"), status_code=401, user=username)
    session = state.sessions.create(user.name, user.role)
    done = RedirectResponse(safe_next(next), status_code=303)
    done.set_cookie(
        SESSION_COOKIE,
        session.id,
        max_age=SESSION_SECONDS,
        httponly=True,
        secure=True,
        samesite="strict",
    )
    done.delete_cookie(LOGIN_CSRF_COOKIE)
    return done


@router.post("/logout")
async def logout(request: Request) -> Response:
    state = state_of(request)
    session = session_of(request)
    form = await request.form()
    if session is not None and not state.demo and same(str(form.get("csrf", "")), session.csrf):
        state.sessions.drop(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
