"""French and English messages of the reports."""

from __future__ import annotations

from veille.i18n import register

register(
    {
        "report.na": ("n/d", "n/a"),
        "report.yes": ("oui", "yes"),
        "report.no": ("non", "no"),
        "report.one_subject": (
            "donnez un sujet : --leader ID, --organisation ID ou --watch ID",
            "give one subject: --leader ID, --organisation ID or --watch ID",
        ),
        "report.period": ("du {since} au {until}", "from {since} to {until}"),
        "report.generated": ("généré le {at}", "generated on {at}"),
        "report.footer": (
            "Rapport veille. Textes des posts reproduits tels quels, échappés.",
            "A veille report. Post texts shown as written, escaped.",
        ),
        "report.original": ("voir le post", "see the post"),
        "report.post_figures": ("{engagement} interactions", "{engagement} engagements"),
        "report.activity": ("Activité", "Activity"),
        "report.activity_chart": ("Posts par jour", "Posts per day"),
        "report.engagement_chart": (
            "Interactions reçues par jour de publication",
            "Engagement received, by day of posting",
        ),
        "report.mentions_chart": ("Posts par jour et sentiment", "Posts per day and sentiment"),
        "report.originals": ("posts originaux", "original posts"),
        "report.replies": ("réponses", "replies"),
        "report.reposts": ("partages", "reposts"),
        "report.engagement": ("interactions", "engagement"),
        "report.posts": ("posts", "posts"),
        "report.positive": ("positifs", "positive"),
        "report.neutral": ("neutres", "neutral"),
        "report.negative": ("négatifs", "negative"),
        "report.sentiment.positive": ("positif", "positive"),
        "report.sentiment.neutral": ("neutre", "neutral"),
        "report.sentiment.negative": ("négatif", "negative"),
        "report.no_posts": ("aucun post sur la période", "no post in the period"),
        "report.no_mentions": (
            "aucun post ne le nomme sur la période",
            "no post names it in the period",
        ),
        "report.named": (
            "Ce qu'on en dit (posts qui le nomment)",
            "What others say (posts naming it)",
        ),
        "report.matches": ("Posts de la veille", "Posts of the watch"),
        "report.query": ("requête : {q}", "query: {q}"),
        "report.top_posts": ("Meilleurs posts", "Top posts"),
        "report.profile": ("Indice et profil", "Index and profile"),
        "report.index": ("indice (0-100)", "Index (0-100)"),
        "report.rank": ("rang", "rank"),
        "report.ranked_among": ("classé parmi", "ranked among"),
        "report.component": ("composante", "component"),
        "report.value": ("valeur", "value"),
        "report.percentile": ("centile", "percentile"),
        "report.conversation": ("conversation", "conversation"),
        "report.what_others_say": ("ce qu'on en dit", "what others say"),
        "report.channels": ("Réseaux", "Channels"),
        "report.network": ("réseau", "network"),
        "report.stakeholders": ("parties prenantes", "stakeholders"),
        "report.active_share": ("part active", "active share"),
        "report.score": ("score", "score"),
        "report.status": ("présence", "presence"),
        "report.advice": ("conseil", "advice"),
        "report.reason": ("raison", "reason"),
        "report.ambassadors": ("Ambassadeurs", "Ambassadors"),
        "report.employees": ("salariés", "employees"),
        "report.amplifiers": ("qui amplifient", "amplifiers"),
        "report.reach_added": ("portée ajoutée", "reach added"),
        "report.account": ("compte", "account"),
        "report.amplifications": ("amplifications", "amplifications"),
        "report.no_weasyprint": (
            "le PDF demande WeasyPrint, qui n'est pas installé",
            "PDF needs WeasyPrint, which is not installed",
        ),
        "report.no_weasyprint.hint": (
            "Installez-le (pip install 'veille[pdf]'), ou écrivez un rapport HTML (--out X.html).",
            "Install it (pip install 'veille[pdf]'), or write an HTML report (--out X.html).",
        ),
        "report.written": ("Écrit : {paths}", "Written: {paths}"),
        "report.bad_lang": ("--lang : fr ou en", "--lang: fr or en"),
    }
)
