"""The sentences of the rumour score's reasons (French, English), registered with
``veille.i18n`` on import: a feature's ``rumour.f.NAME`` says it is present or high,
``rumour.f.NAME.none`` that it is absent or low."""

from __future__ import annotations

from veille.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "rumour.score": (
        "Score de rumeur {score:.2f} ({verdict}).",
        "Rumour score {score:.2f} ({verdict}).",
    ),
    "rumour.likely": ("rumeur probable", "likely a rumour"),
    "rumour.possible": ("rumeur possible", "possibly a rumour"),
    "rumour.unlikely": ("rumeur peu probable", "unlikely to be a rumour"),
    "rumour.raises": ("{what} : fait monter le score.", "{what}: raises the score."),
    "rumour.lowers": ("{what} : fait baisser le score.", "{what}: lowers the score."),
    "rumour.f.cue": (
        "indices d'incertitude, de question ou de démenti ({terms})",
        "uncertainty, query or denial cues ({terms})",
    ),
    "rumour.f.cue.none": ("aucun indice de doute", "no cue of doubt"),
    "rumour.f.breaking": (
        "annoncé comme une information en cours ({terms})",
        "announced as news in the making ({terms})",
    ),
    "rumour.f.breaking.none": ("pas annoncé comme urgent", "not announced as breaking"),
    "rumour.f.claim": (
        "rapporte les propos d'un tiers ({terms})",
        "reports what someone else says ({terms})",
    ),
    "rumour.f.claim.none": ("ne rapporte pas de propos", "reports no one's words"),
    "rumour.f.empathy": (
        "exprime de la compassion ({terms}), pas une affirmation",
        "expresses sympathy ({terms}), not a claim",
    ),
    "rumour.f.empathy.none": ("n'exprime pas de compassion", "expresses no sympathy"),
    "rumour.f.coverage": (
        "renvoie vers une couverture ({terms})",
        "points to coverage ({terms})",
    ),
    "rumour.f.coverage.none": ("ne renvoie pas vers une couverture", "points to no coverage"),
    "rumour.f.links": ("donne des liens ({value})", "gives links ({value})"),
    "rumour.f.links.none": ("ne donne aucun lien", "gives no link"),
    "rumour.f.figures": ("avance des chiffres", "states figures"),
    "rumour.f.figures.none": ("n'avance pas de chiffres", "states no figures"),
    "rumour.f.followers": (
        "un compte très suivi ({value} abonnés)",
        "a widely followed account ({value} followers)",
    ),
    "rumour.f.followers.none": (
        "un compte peu suivi ({value} abonnés)",
        "an account with few followers ({value})",
    ),
    "rumour.f.following": (
        "un compte qui suit beaucoup de monde ({value} abonnements)",
        "an account following many others ({value})",
    ),
    "rumour.f.following.none": (
        "un compte qui suit peu de monde ({value} abonnements)",
        "an account following few others ({value})",
    ),
    "rumour.f.posts": (
        "un compte très actif ({value} posts)",
        "a very active account ({value} posts)",
    ),
    "rumour.f.posts.none": (
        "un compte peu actif ({value} posts)",
        "a little-used account ({value} posts)",
    ),
    "rumour.f.account_age": (
        "un compte ancien ({value} jours)",
        "an old account ({value} days)",
    ),
    "rumour.f.account_age.none": (
        "un compte récent ({value} jours)",
        "a recent account ({value} days)",
    ),
    "rumour.f.verified": ("un compte vérifié", "a verified account"),
    "rumour.f.verified.none": ("un compte non vérifié", "an unverified account"),
    "rumour.f.news_profile": ("un journaliste ou un média", "a journalist or news outlet"),
    "rumour.f.news_profile.none": (
        "ni journaliste ni média",
        "neither a journalist nor a news outlet",
    ),
    "rumour.f.news_account": (
        "un compte d'alertes d'information ({value})",
        "a news-alert account ({value})",
    ),
    "rumour.f.news_account.none": (
        "pas un compte d'alertes d'information",
        "not a news-alert account",
    ),
    "rumour.f.official": ("un compte institutionnel", "an official account"),
    "rumour.f.official.none": ("pas un compte institutionnel", "not an official account"),
    "rumour.f.profile_url": ("un profil avec un site web", "a profile with a website"),
    "rumour.f.profile_url.none": ("un profil sans site web", "a profile without a website"),
    "rumour.story.rumour": (
        "Rumeur probable : score {score:.2f} (seuil {threshold:.2f}).",
        "Likely a rumour: score {score:.2f} (threshold {threshold:.2f}).",
    ),
    "rumour.story.not": (
        "Pas une rumeur à ce stade : score {score:.2f} (seuil {threshold:.2f}).",
        "Not a rumour so far: score {score:.2f} (threshold {threshold:.2f}).",
    ),
    "rumour.story.likely": (
        "{value:.0%} des {authors} auteurs distincts publient des posts qui ont tout d'une "
        "rumeur (score moyen {mean:.2f})",
        "{value:.0%} of the {authors} distinct authors post what looks like a rumour "
        "(mean post score {mean:.2f})",
    ),
    "rumour.story.cues": (
        "{value:.0%} des posts portent un indice de doute, de question ou de démenti",
        "{value:.0%} of the posts carry a cue of doubt, query or denial",
    ),
    "rumour.story.uncredited": (
        "{value:.0%} des auteurs ne sont ni vérifiés, ni des médias, ni institutionnels",
        "{value:.0%} of the authors are neither verified, nor news, nor official",
    ),
    "rumour.story.growth": (
        "l'histoire accélère ({value:.0%} de ses posts dans la seconde moitié de sa durée)",
        "the story is accelerating ({value:.0%} of its posts in the later half of its span)",
    ),
    "rumour.story.steady": (
        "l'histoire n'accélère pas ({value:.0%} de ses posts dans la seconde moitié)",
        "the story is not accelerating ({value:.0%} of its posts in the later half)",
    ),
    "rumour.story.undated": (
        "croissance inconnue : moins de 3 posts datés",
        "growth unknown: fewer than 3 dated posts",
    ),
}

register(MESSAGES)
