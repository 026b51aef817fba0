"""Registers the built-in enrichment stages through the plugin hook, in running order:
language first (sentiment and the watch matcher's ``lang:`` use it), then sentiment,
watches, stakeholders and rumour cues."""

from __future__ import annotations

from veille.hookspecs import hookimpl
from veille.pipeline.base import Stage
from veille.workspace.accounts import entity_watch_queries
from veille.workspace.config import VeilleConfig


@hookimpl(tryfirst=True)
def veille_stages(config: VeilleConfig) -> list[Stage]:
    from veille.pipeline.cues import CueStage
    from veille.pipeline.language import LanguageStage
    from veille.pipeline.sentiment import SentimentStage
    from veille.pipeline.stakeholders import StakeholderConfig, StakeholderStage
    from veille.pipeline.watches import WatchMatcher

    return [
        LanguageStage(),
        SentimentStage(),
        WatchMatcher({**{w.id: w.query for w in config.watches}, **entity_watch_queries(config)}),
        StakeholderStage(StakeholderConfig.from_config(config)),
        CueStage(),
    ]
