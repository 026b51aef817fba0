"""The alerts page: the delivery log of the alerts (what was sent where, what is pending,
what was given up), each episode acknowledged by the team from the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from veille.web import views
from veille.web.pages import ChangeSession, PageSession, require_admin
from veille.web.render import render, state_of

router = APIRouter()


@router.get("/alerts", response_class=HTMLResponse)
def alerts(
    request: Request,
    session: PageSession,
    status: Annotated[str | None, Query(pattern=r"^(|pending|sent|dead)$")] = None,
    acked: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    data = views.alerts(state_of(request), status or None)
    return render(request, "alerts.html", {"data": data, "acked": acked or ""})


@router.post("/alerts/{episode}/ack", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    episode: str,
    session: ChangeSession,
    note: Annotated[str, Form(max_length=500)] = "",
    withdraw: Annotated[int, Form(ge=0, le=1)] = 0,
) -> Response:
    require_admin(session)
    views.acknowledge(
        state_of(request), episode, session.user, note.strip() or None, withdraw=bool(withdraw)
    )
    return RedirectResponse(f"/alerts?acked={episode}", status_code=303)
