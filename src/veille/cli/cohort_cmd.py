"""``veille presence``, ``veille channels LEADER`` and ``veille ambassadors ORG``: the
cohort on the networks (C12, C13, C14)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from veille.analytics.ambassadors import ambassadors
from veille.analytics.channels import channels
from veille.analytics.cohort import leader as leader_of
from veille.analytics.cohort import organisation as organisation_of
from veille.analytics.cohort import select_leaders
from veille.analytics.context import AnalyticsContext, duckdb_context
from veille.analytics.period import parse_time
from veille.analytics.presence import presence_at, weekly_shares
from veille.cli.common import err
from veille.cli.output import TableFormat, emit
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "presence.title": ("Présence au {day}", "Presence on {day}"),
        "presence.weekly": ("Présence semaine par semaine", "Presence week by week"),
        "amb.title": ("Ambassadeurs de {org} ({period})", "Ambassadors of {org} ({period})"),
        "amb.summary": (
            "{employees} salariés connus, {active} actifs, {amplifiers} relaient ; portée "
            "ajoutée {reach} ; {engage} suivent ou interpellent un dirigeant, {back} reçoivent "
            "une réponse",
            "{employees} employees known, {active} active, {amplifiers} amplify; reach added "
            "{reach}; {engage} follow or engage a leader, {back} are engaged back",
        ),
        "chan.title": ("Canaux de {name} ({period})", "Channels of {name} ({period})"),
        "amb.na": ("pas assez de données", "not enough data"),
        "presence.none": (
            "aucun dirigeant ne correspond à ces filtres",
            "no leader matches these filters",
        ),
    }
)


@contextmanager
def analytics_context(workspace: Path) -> Iterator[AnalyticsContext]:
    from veille.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        yield duckdb_context(ws.store.con, ws.config)


WorkspaceOpt = typer.Option(Path("."), "--workspace", "-w", help="Workspace folder.")
FormatOpt = typer.Option(TableFormat.table, "--format", "-f", help="table, json, csv or md.")


def register(app: typer.Typer) -> None:
    @app.command("presence")
    def presence(
        cohort: str | None = typer.Option(None, "--cohort", help="A cohort of veille.toml."),
        sector: str | None = typer.Option(None, "--sector", help="Leaders of this sector."),
        country: str | None = typer.Option(None, "--country", help="Leaders of this country."),
        until: str | None = typer.Option(
            None, "--until", help="Status at this date (default: the end of the data)."
        ),
        weekly: bool = typer.Option(
            False, "--weekly", help="Print the shares week by week instead."
        ),
        weeks: int = typer.Option(8, "--weeks", min=1, max=520, help="Weeks for --weekly."),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """Which leaders are active (posted in the last 30 days), dormant or absent, per
        network."""
        with analytics_context(workspace) as ctx:
            leaders = select_leaders(ctx.config, cohort=cohort, sector=sector, country=country)
            if not leaders:
                err.print(t("presence.none"))
                raise typer.Exit(0) if fmt is not TableFormat.json else _empty_json()
            end = parse_time(until, field="--until") if until else ctx.anchor
            if weekly:
                rows = weekly_shares(ctx, leaders, end, weeks)
                columns = [("week_end", "week end"), ("network", "network")]
                columns += [(s, s) for s in ("active", "dormant", "absent")]
                columns += [(f"{s}_share", f"{s} %") for s in ("active", "dormant", "absent")]
                emit(rows, columns, fmt, title=t("presence.weekly"))
                return
            current = presence_at(ctx, leaders, end)
        emit(
            [r.as_json() for r in current],
            [("leader", "leader"), ("name", "name"), ("network", "network"),
             ("status", "status"), ("last_post", "last post")],
            fmt,
            title=t("presence.title", day=end.date().isoformat()),
        )  # fmt: skip

    @app.command("ambassadors")
    def ambassadors_cmd(
        organisation: str = typer.Argument(..., help="An organisation id of veille.toml."),
        period: str | None = typer.Option(None, "--period", help="e.g. 28d (the default)."),
        since: str | None = typer.Option(None, "--since", help="Start date (YYYY-MM-DD)."),
        until: str | None = typer.Option(None, "--until", help="End date, excluded."),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """The employees who amplify an organisation and its leaders: reposts, quotes and
        mentions, the reach they add, and whether staff and leaders reach each other."""
        with analytics_context(workspace) as ctx:
            org = organisation_of(ctx.config, organisation)
            window = ctx.period(period, since, until)
            view = ambassadors(ctx, org.id, window)
        if fmt is TableFormat.json:
            emit([], [], fmt, json_value=view)
            return
        columns = [("handle", "account"), ("network", "network"), ("source", "source"),
                   ("followers", "followers"), ("reposts", "reposts"), ("quotes", "quotes"),
                   ("mentions", "mentions"), ("reach_added", "reach added")]  # fmt: skip
        rows = [{**a, "handle": a["handle"] or a["account"]} for a in view["ambassadors"]]
        emit(rows, columns, fmt, title=t("amb.title", org=org.name, period=window.label()))
        if fmt is TableFormat.table:
            err.print(
                t(
                    "amb.summary",
                    employees=view["employees"],
                    active=view["active"],
                    amplifiers=view["amplifiers"],
                    reach=f"{view['reach_added']:,}",
                    engage=_pct(view["follow_or_engage_leader"]),
                    back=_pct(view["engaged_back_by_leader"]),
                )
            )

    @app.command("channels")
    def channels_cmd(
        leader: str = typer.Argument(..., help="A leader id of veille.toml."),
        period: str | None = typer.Option(None, "--period", help="Default 90d."),
        since: str | None = typer.Option(None, "--since", help="Start date (YYYY-MM-DD)."),
        until: str | None = typer.Option(None, "--until", help="End date, excluded."),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """Where the leader's stakeholders are active (channel score per network) against
        where the leader is present, with a recommendation and its reason."""
        with analytics_context(workspace) as ctx:
            who = leader_of(ctx.config, leader)
            window = ctx.period(period or (None if since else "90d"), since, until)
            view = channels(ctx, who, window)
        if fmt is TableFormat.json:
            emit([], [], fmt, json_value=view)
            return
        emit(
            view["networks"],
            [("network", "network"), ("stakeholders", "stakeholders"),
             ("active_share", "active share"), ("posts_per_active_per_day", "posts/day"),
             ("score_share", "score share"), ("leader_status", "you"),
             ("recommendation", "advice"), ("reason", "why")],
            fmt, title=t("chan.title", name=who.name, period=window.label()),
        )  # fmt: skip
        if view.get("reason") and fmt is TableFormat.table:
            err.print(view["reason"], markup=False)


def _pct(share: dict[str, object]) -> str:
    value = share.get("value")
    return f"{100 * value:.0f} %" if isinstance(value, float) else t("amb.na")


def _empty_json() -> typer.Exit:
    print("[]")
    return typer.Exit(0)
