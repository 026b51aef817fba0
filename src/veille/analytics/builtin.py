"""Registers the built-in metrics through the plugin hook, like any third party."""

from __future__ import annotations

from veille.analytics.ambassadors import EMPLOYEES
from veille.analytics.channels import CHANNELS
from veille.analytics.ecosystem import METRICS as ECOSYSTEM
from veille.analytics.edges import INTERACTION_EDGES
from veille.analytics.objectives import (
    EARLIEST_POST,
    FIRST_SNAPSHOT,
    FOLLOWERS_AT,
    JOURNALISTS,
)
from veille.analytics.presence import PRESENCE, PRESENCE_NETWORKS
from veille.analytics.registry import Metric
from veille.hookspecs import hookimpl


@hookimpl
def veille_metrics() -> list[Metric]:
    return [
        INTERACTION_EDGES,
        PRESENCE,
        PRESENCE_NETWORKS,
        EMPLOYEES,
        FOLLOWERS_AT,
        FIRST_SNAPSHOT,
        EARLIEST_POST,
        JOURNALISTS,
        CHANNELS,
        *ECOSYSTEM,
    ]
