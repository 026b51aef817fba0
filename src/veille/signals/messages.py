"""The sentences of the signals' reasons, in French and English (``veille.i18n``)."""

from __future__ import annotations

from veille.i18n import current_language, register

register(
    {
        "sig.burst.count": (
            "{n} auteurs distincts ont parlé de {term} en {minutes} min, contre {base} "
            "d'habitude (surprise : 10^-{score})",
            "{n} distinct authors wrote about {term} within {minutes} min, against {base} "
            "usually (chance: 10^-{score})",
        ),
        "sig.burst.total": (
            "{n} auteurs et {posts} messages depuis le début",
            "{n} authors and {posts} posts since it began",
        ),
        "sig.burst.who": (
            "Qui : {mix} (poids moyen {weight})",
            "Who: {mix} (mean weight {weight})",
        ),
        "sig.burst.ended": ("Le pic est retombé.", "The burst is over."),
        "sig.story.size": (
            "{posts} messages proches de {authors} auteurs distincts depuis {first}",
            "{posts} similar posts by {authors} distinct authors since {first}",
        ),
        "sig.story.terms": ("Autour de : {terms}", "About: {terms}"),
        "sig.story.sentiment": (
            "Tonalité : {pos} positifs, {neg} négatifs, {neu} neutres",
            "Tone: {pos} positive, {neg} negative, {neu} neutral",
        ),
        "sig.story.growth": (
            "Croissance : {growth} auteurs nouveaux par quart d'heure au plus fort",
            "Growth: up to {growth} new authors per bucket",
        ),
        "sig.story.lead": (
            "Vu {hours} h avant les médias de référence ({feed})",
            "Seen {hours} h before the reference news ({feed})",
        ),
        "sig.story.lead_after": (
            "Les médias de référence en parlaient déjà {hours} h avant ({feed})",
            "The reference news had it {hours} h earlier ({feed})",
        ),
        "sig.rumour.score": (
            "Score de rumeur {score} : {share} des messages doutent, questionnent ou démentent",
            "Rumour score {score}: {share} of the posts doubt, question or deny",
        ),
        "sig.rumour.reasons": ("{reasons}", "{reasons}"),
    }
)

_CLASSES: dict[str, tuple[str, str]] = {
    "peer_leader": ("dirigeants pairs", "peer leaders"),
    "journalist": ("journalistes", "journalists"),
    "self": ("l'écosystème du dirigeant", "the leader's ecosystem"),
    "employee": ("salariés", "employees"),
    "investor": ("investisseurs", "investors"),
    "public_sector": ("secteur public", "public sector"),
    "competitor": ("concurrents", "competitors"),
    "customer": ("clients", "customers"),
    "public": ("grand public", "public"),
    "unknown": ("comptes inconnus", "unknown accounts"),
    "bot": ("robots", "bots"),
    "troll": ("trolls", "trolls"),
}


def stakeholder_mix_text(mix: dict[str, int], top: int = 4) -> str:
    """``{"journalist": 3, "unknown": 12}`` as "12 unknown accounts, 3 journalists"."""
    fr = current_language() == "fr"
    parts = []
    for klass, n in list(mix.items())[:top]:
        names = _CLASSES.get(klass, (klass, klass))
        parts.append(f"{n} {names[0] if fr else names[1]}")
    rest = sum(list(mix.values())[top:])
    if rest:
        parts.append(f"{rest} {'autres' if fr else 'others'}")
    return ", ".join(parts)
