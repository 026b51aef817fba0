"""The app factory: ``create_app(state)`` builds the FastAPI application over an open
workspace (``ServerState``). Pages, the API, the static files (veille's own and the
plotly.js of the installed plotly wheel), the error pages, and the security middleware."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from veille import __version__
from veille.web import alerts_pages, api, login, pages, views
from veille.web.i18n import tr
from veille.web.plotly_css import plotly_css
from veille.web.render import lang_of, render
from veille.web.security import SecurityMiddleware
from veille.web.state import ServerState

STATIC = Path(__file__).parent / "static"
FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    b'<rect width="16" height="16" rx="3" fill="#0b5cad"/></svg>'
)


def plotly_dir() -> Path:
    """The folder of ``plotly.min.js`` inside the installed plotly package."""
    import plotly

    return Path(plotly.__file__).parent / "package_data"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "body", "path", "form")]
    return ".".join(parts) or "request"


def create_app(state: ServerState) -> FastAPI:
    app = FastAPI(
        title="veille",
        version=__version__,
        description="Social intelligence for leaders: the JSON API of `veille serve`. "
        "Every endpoint needs an API token (`veille token add`) except under `--demo`.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.veille = state
    app.add_middleware(SecurityMiddleware)

    @app.get("/static/plotly-style.css", include_in_schema=False)
    def plotly_style() -> Response:
        return Response(
            plotly_css(plotly_dir() / "plotly.min.js"),
            media_type="text/css; charset=utf-8",
            headers={"cache-control": "public, max-age=86400"},
        )

    app.mount("/static/plotly", StaticFiles(directory=plotly_dir()), name="plotly")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(alerts_pages.router)
    app.include_router(api.router)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(pages.LoginRequired)
    async def login_required(request: Request, exc: pages.LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(pages.Forbidden)
    async def forbidden(request: Request, exc: pages.Forbidden) -> Response:
        lang = lang_of(request)
        if _is_api(request):
            return JSONResponse({"detail": tr(lang, exc.key)}, status_code=403)
        return render(request, "error.html", {"message": tr(lang, exc.key)}, status_code=403)

    @app.exception_handler(views.NotFound)
    async def not_found(request: Request, exc: views.NotFound) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": str(exc), "closest": [k for k, _ in exc.closest]}, status_code=404
            )
        return render(
            request,
            "not_found.html",
            {"kind": exc.kind, "ident": exc.ident, "closest": exc.closest},
            status_code=404,
        )

    @app.exception_handler(views.InvalidParam)
    async def invalid_param(request: Request, exc: views.InvalidParam) -> Response:
        return _invalid(request, [(exc.field, exc.reason)])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [(_field(e.get("loc", ())), str(e.get("msg", ""))) for e in exc.errors()]
        return _invalid(request, problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request) or request.url.path.startswith("/static/") or exc.status_code != 404:
            return JSONResponse(
                {"detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return render(
            request,
            "not_found.html",
            {"kind": "page", "ident": request.url.path, "closest": []},
            status_code=404,
        )

    return app


def _invalid(request: Request, problems: list[tuple[str, str]]) -> Response:
    if _is_api(request):
        return JSONResponse(
            {"detail": [{"field": f, "reason": r} for f, r in problems]}, status_code=422
        )
    lang = lang_of(request)
    message = "; ".join(tr(lang, "error.invalid", field=f, reason=r) for f, r in problems)
    return render(request, "error.html", {"message": message}, status_code=422)
