"""Which leaders a view covers: all of them, a ``cohorts`` entry of the registry, a sector
or a country (filters combine). An unknown name is a usage error that suggests the closest
ones, never an empty table."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from veille.errors import UsageError
from veille.workspace.config import Leader, Organisation, VeilleConfig


def _check(value: str | None, known: Iterable[str], what: str) -> None:
    if value is None:
        return
    names = sorted(set(known))
    if value in names:
        return
    close = difflib.get_close_matches(value, names, n=3, cutoff=0.5)
    hint = (
        f"Did you mean: {', '.join(close)}?"
        if close
        else f"Known {what}s: {', '.join(names) or 'none in veille.toml'}"
    )
    raise UsageError(f"unknown {what} {value!r}", hint=hint)


def select_leaders(
    config: VeilleConfig,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
) -> list[Leader]:
    """The registry's leaders that match every filter given, in registry order."""
    leaders = config.leaders
    _check(cohort, (c for x in leaders for c in x.cohorts), "cohort")
    _check(sector, (x.sector for x in leaders if x.sector), "sector")
    if country is not None:
        country = country.upper()
        _check(country, (x.country for x in leaders if x.country), "country")
    return [
        x
        for x in leaders
        if (cohort is None or cohort in x.cohorts)
        and (sector is None or x.sector == sector)
        and (country is None or x.country == country)
    ]


def leader(config: VeilleConfig, leader_id: str) -> Leader:
    """The leader ``leader_id``, or a usage error naming the closest ids and names."""
    for item in config.leaders:
        if item.id == leader_id:
            return item
    raise _unknown(leader_id, config.leaders, "leader")


def organisation(config: VeilleConfig, org_id: str) -> Organisation:
    for item in config.organisations:
        if item.id == org_id:
            return item
    raise _unknown(org_id, config.organisations, "organisation")


def _unknown(value: str, items: Sequence[Leader | Organisation], what: str) -> UsageError:
    by_key = {x.id: x.id for x in items} | {x.name.lower(): x.id for x in items}
    close = difflib.get_close_matches(value.lower(), list(by_key), n=3, cutoff=0.5)
    ids = list(dict.fromkeys(by_key[c] for c in close))
    hint = (
        f"Did you mean: {', '.join(ids)}?"
        if ids
        else f"Known {what}s: {', '.join(x.id for x in items[:20]) or 'none in veille.toml'}"
    )
    return UsageError(f"unknown {what} {value!r}", hint=hint)
