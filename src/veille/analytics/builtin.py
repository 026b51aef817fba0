"""Registers the built-in metrics through the plugin hook, like any third party."""

from __future__ import annotations

from veille.analytics.activity import LEADER_ACTIVITY, LEADER_POSTS
from veille.analytics.ambassadors import EMPLOYEES
from veille.analytics.audience import LEADER_AUDIENCE
from veille.analytics.channels import CHANNELS
from veille.analytics.conversation import LEADER_CONVERSATION, LEADER_UNANSWERED
from veille.analytics.ecosystem import METRICS as ECOSYSTEM
from veille.analytics.edges import INTERACTION_EDGES
from veille.analytics.listening import METRICS as LISTENING
from veille.analytics.objective_series import METRICS as OBJECTIVE_SERIES
from veille.analytics.objectives import (
    EARLIEST_POST,
    FIRST_SNAPSHOT,
    FOLLOWERS_AT,
    JOURNALISTS,
    LEAD_TIME,
)
from veille.analytics.presence import PRESENCE, PRESENCE_NETWORKS
from veille.analytics.registry import Metric
from veille.analytics.sentiment import ACTIVE_AUTHORS, ENTITY_MENTIONS
from veille.hookspecs import hookimpl


@hookimpl
def veille_metrics() -> list[Metric]:
    return [
        INTERACTION_EDGES,
        PRESENCE,
        PRESENCE_NETWORKS,
        EMPLOYEES,
        LEADER_AUDIENCE,
        LEADER_ACTIVITY,
        LEADER_POSTS,
        LEADER_CONVERSATION,
        LEADER_UNANSWERED,
        ENTITY_MENTIONS,
        ACTIVE_AUTHORS,
        FOLLOWERS_AT,
        FIRST_SNAPSHOT,
        EARLIEST_POST,
        JOURNALISTS,
        LEAD_TIME,
        CHANNELS,
        *ECOSYSTEM,
        *LISTENING,
        *OBJECTIVE_SERIES,
    ]
