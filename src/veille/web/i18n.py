"""The dashboard's words in French and English, and numbers and dates in each locale's
format. The language of a request comes from ``?lang=`` (which also sets the cookie), the
``veille_lang`` cookie, else the workspace's ``[workspace] language``."""

from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGS = ("fr", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (français, English)
    "app.title": ("veille", "veille"),
    "nav.main": ("Navigation principale", "Main navigation"),
    "nav.overview": ("Vue d'ensemble", "Overview"),
    "nav.leaders": ("Dirigeants", "Leaders"),
    "nav.listening": ("Écoute", "Listening"),
    "nav.signals": ("Signaux", "Signals"),
    "nav.ecosystem": ("Écosystème", "Ecosystem"),
    "nav.objectives": ("Objectifs", "Objectives"),
    "nav.presence": ("Présence", "Presence"),
    "nav.sources": ("Sources", "Sources"),
    "nav.digest": ("Digest", "Digest"),
    "nav.check": ("Vérifier un brouillon", "Check a draft"),
    "nav.settings": ("Réglages", "Settings"),
    "nav.logout": ("Se déconnecter", "Log out"),
    "nav.skip": ("Aller au contenu", "Skip to content"),
    "lang.switch": ("English", "Français"),
    "lang.switch.label": ("Langue", "Language"),
    "demo.banner": (
        "Démonstration en lecture seule sur des données simulées.",
        "Read-only demo on simulated data.",
    ),
    "login.title": ("Connexion", "Log in"),
    "login.user": ("Nom d'utilisateur", "User name"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Log in"),
    "login.failed": ("Nom ou mot de passe incorrect.", "Wrong user name or password."),
    "login.limited": (
        "Trop de tentatives. Réessayez dans {seconds} s.",
        "Too many attempts. Try again in {seconds} s.",
    ),
    "overview.title": ("Vue d'ensemble", "Overview"),
    "overview.store": ("Données", "Data"),
    "overview.posts": ("{n} posts de {accounts} comptes", "{n} posts from {accounts} accounts"),
    "overview.span": ("du {first} au {last}", "from {first} to {last}"),
    "overview.registry": (
        "{leaders} dirigeants, {orgs} organisations, {watches} veilles, {objectives} objectifs",
        "{leaders} leaders, {orgs} organisations, {watches} watches, {objectives} objectives",
    ),
    "overview.by_network": ("Posts par réseau", "Posts per network"),
    "overview.signals": ("Derniers signaux", "Latest signals"),
    "overview.no_movers": (
        "Aucun classement n'a bougé depuis la période précédente.",
        "No rank moved since the previous period.",
    ),
    "overview.rank": ("rang {rank}", "rank {rank}"),
    "overview.movers": ("Mouvements du classement", "Ranking movers"),
    "overview.off_track": ("Objectifs hors trajectoire", "Objectives off track"),
    "overview.digest": ("Digest", "Digest"),
    "overview.none_off": (
        "Aucun objectif mesuré n'est hors trajectoire.",
        "No measured objective is off track.",
    ),
    "overview.collectors": (
        "Collecte : {state}",
        "Collection: {state}",
    ),
    "collectors.off": (
        "ce serveur ne collecte pas (relancez-le avec `veille serve --collect`, ou arrêtez-le "
        "pour `veille run`)",
        "this server does not collect (start it with `veille serve --collect`, or stop it "
        "to `veille run`)",
    ),
    "collectors.on": (
        "ce serveur collecte (le calendrier de `veille run`)",
        "this server collects (the schedule of `veille run`)",
    ),
    "collectors.demo": (
        "démonstration en lecture seule : pas de collecte",
        "read-only demo: no collection",
    ),
    "col.network": ("Réseau", "Network"),
    "col.posts": ("Posts", "Posts"),
    "col.name": ("Nom", "Name"),
    "col.role": ("Fonction", "Role"),
    "col.organisation": ("Organisation", "Organisation"),
    "col.sector": ("Secteur", "Sector"),
    "col.country": ("Pays", "Country"),
    "col.cohorts": ("Cohortes", "Cohorts"),
    "col.accounts": ("Comptes", "Accounts"),
    "col.rank": ("Rang", "Rank"),
    "col.index": ("Indice", "Index"),
    "col.change": ("Évolution", "Change"),
    "col.when": ("Date", "When"),
    "col.author": ("Auteur", "Author"),
    "col.text": ("Texte", "Text"),
    "col.lang": ("Langue", "Language"),
    "col.sentiment": ("Tonalité", "Sentiment"),
    "col.query": ("Requête", "Query"),
    "col.matches": ("Posts trouvés", "Matched posts"),
    "col.source": ("Source", "Source"),
    "col.last_success": ("Dernier succès", "Last success"),
    "col.lag": ("Retard", "Lag"),
    "col.items": ("Éléments", "Items"),
    "col.rate_limit": ("Quota", "Rate limit"),
    "col.next_call": ("Prochain appel", "Next call"),
    "col.last_error": ("Dernière erreur", "Last error"),
    "col.status": ("État", "Status"),
    "col.read": ("Lus", "Read"),
    "col.new": ("Nouveaux", "New"),
    "col.rejected": ("Rejetés", "Rejected"),
    "col.dimension": ("Dimension", "Dimension"),
    "col.metric": ("Mesure", "Metric"),
    "col.target": ("Cible", "Target"),
    "col.deadline": ("Échéance", "Deadline"),
    "col.leader": ("Dirigeant", "Leader"),
    "col.followers": ("Abonnés", "Followers"),
    "col.handle": ("Identifiant", "Handle"),
    "col.bio": ("Bio", "Bio"),
    "col.created": ("Créé le", "Created"),
    "col.kind": ("Type", "Kind"),
    "leaders.title": ("Dirigeants", "Leaders"),
    "leaders.filters": ("Filtres", "Filters"),
    "leaders.cohort": ("Cohorte", "Cohort"),
    "leaders.sector": ("Secteur", "Sector"),
    "leaders.country": ("Pays", "Country"),
    "leaders.period": ("Période", "Period"),
    "leaders.all": ("Tous", "All"),
    "leaders.apply": ("Filtrer", "Filter"),
    "leaders.csv": ("Exporter en CSV", "Export as CSV"),
    "leaders.count": ("{n} dirigeants", "{n} leaders"),
    "leaders.sort": ("Trier par {column}", "Sort by {column}"),
    "leaders.period_note": ("Période : {since} – {until}", "Period: {since} – {until}"),
    "leaders.weights": ("Pondérations de l'indice :", "Index weights:"),
    "component.reach": ("Portée", "Reach"),
    "component.growth": ("Croissance", "Growth"),
    "component.engagement": ("Engagement", "Engagement"),
    "component.amplification": ("Amplification", "Amplification"),
    "component.conversation": ("Conversation", "Conversation"),
    "component.centrality": ("Centralité", "Centrality"),
    "component.sentiment": ("Tonalité", "Sentiment"),
    "leader.title": ("Profil", "Profile"),
    "leader.channels": ("Canaux", "Channels"),
    "col.component": ("Composante", "Component"),
    "col.value": ("Valeur", "Value"),
    "col.percentile": ("Centile", "Percentile"),
    "col.stakeholders": ("Parties prenantes", "Stakeholders"),
    "col.active_share": ("Part active", "Active share"),
    "col.score": ("Score", "Score"),
    "col.presence": ("Présence", "Presence"),
    "col.advice": ("Conseil", "Advice"),
    "leader.accounts": ("Comptes", "Accounts"),
    "leader.posts": ("Derniers posts", "Latest posts"),
    "leader.no_posts": ("Aucun post stocké pour ce dirigeant.", "No stored post for this leader."),
    "leader.objectives": ("Objectifs", "Objectives"),
    "leader.index": ("Indice et composantes", "Index and components"),
    "leader.unknown_account": ("pas encore vu dans les données", "not seen in the data yet"),
    "notfound.title": ("Introuvable", "Not found"),
    "notfound.leader": ("Aucun dirigeant « {id} ».", "No leader “{id}”."),
    "notfound.watch": ("Aucune veille « {id} ».", "No watch “{id}”."),
    "notfound.page": ("Cette page n'existe pas.", "This page does not exist."),
    "notfound.closest": ("Vouliez-vous dire :", "Did you mean:"),
    "listening.title": ("Écoute", "Listening"),
    "listening.watches": ("Veilles", "Watches"),
    "listening.new": ("Nouvelle veille", "New watch"),
    "listening.edit": ("Modifier la veille", "Edit the watch"),
    "listening.id": ("Identifiant (lettres, chiffres, tirets)", "Id (letters, digits, dashes)"),
    "listening.name": ("Nom", "Name"),
    "listening.query": ("Requête", "Query"),
    "listening.save": ("Enregistrer", "Save"),
    "listening.valid": ("Requête valide.", "Valid query."),
    "listening.error_at": (
        "Erreur en colonne {column} : {reason}",
        "Error at column {column}: {reason}",
    ),
    "listening.saved": (
        "Veille « {id} » enregistrée dans veille.toml. Les posts déjà stockés seront "
        "rapprochés au prochain `veille enrich`.",
        "Watch “{id}” saved in veille.toml. Stored posts are matched at the next `veille enrich`.",
    ),
    "listening.posts": ("Posts trouvés", "Matched posts"),
    "listening.no_posts": ("Aucun post.", "No post."),
    "listening.more": ("Plus de posts", "More posts"),
    "listening.all": ("Tous", "All"),
    "heard.title": ("Ce qui est dit ({period})", "What is said ({period})"),
    "heard.volume": (
        "{posts} posts de {authors} auteurs distincts.",
        "{posts} posts by {authors} distinct authors.",
    ),
    "heard.authors": ("Auteurs distincts", "Distinct authors"),
    "heard.raw": ("Tonalité nette brute", "Raw net sentiment"),
    "heard.representative": (
        "Tonalité nette représentative (au plus {cap} posts par auteur)",
        "Representative net sentiment (at most {cap} posts per author)",
    ),
    "heard.effective": ("Auteurs effectifs", "Effective authors"),
    "heard.loud": (
        "Minorité bruyante : {n} auteurs écrivent plus de 30 % des posts négatifs.",
        "Loud minority: {n} authors write over 30% of the negative posts.",
    ),
    "heard.not_loud": ("Pas de minorité bruyante.", "No loud minority."),
    "heard.series": ("Posts et auteurs par jour", "Posts and authors per day"),
    "heard.groups": ("Par partie prenante", "By stakeholder"),
    "heard.languages": ("Par langue", "By language"),
    "heard.negative_share": ("Part négative", "Negative share"),
    "heard.ci": ("IC 95 %", "95% CI"),
    "nav.alerts": ("Alertes", "Alerts"),
    "alerts.title": ("Alertes envoyées", "Alerts sent"),
    "alerts.none": (
        "Aucune alerte : configurez des règles dans [[alerts.rules]] de veille.toml.",
        "No alert: set rules in [[alerts.rules]] of veille.toml.",
    ),
    "alerts.counts": (
        "{sent} envoyées, {pending} en attente, {dead} abandonnées après les essais.",
        "{sent} sent, {pending} pending, {dead} given up after the retries.",
    ),
    "alerts.status": ("État", "Status"),
    "alerts.all": ("Toutes", "All"),
    "alerts.status.pending": ("en attente", "pending"),
    "alerts.status.sent": ("envoyée", "sent"),
    "alerts.status.dead": ("abandonnée", "given up"),
    "alerts.episode": ("Épisode", "Episode"),
    "alerts.rule": ("Règle", "Rule"),
    "alerts.sink": ("Destination", "Sink"),
    "alerts.level": ("Niveau", "Level"),
    "alerts.attempts": ("Essais", "Attempts"),
    "alerts.created": ("Créée", "Created"),
    "alerts.ack": ("Prise en compte", "Acknowledged"),
    "alerts.ack.by": ("par {user}, {at}", "by {user}, {at}"),
    "alerts.ack.do": ("Prendre en compte", "Acknowledge"),
    "alerts.ack.undo": ("Annuler", "Withdraw"),
    "alerts.ack.note": ("Note", "Note"),
    "alerts.ack.done": ("Épisode {id} : fait.", "Episode {id}: done."),
    "overview.all_signals": ("Tous les signaux ({n})", "All signals ({n})"),
    "signals.title": ("Signaux", "Signals"),
    "signals.none": ("Aucun signal dans la période.", "No signal in the period."),
    "signals.term": ("Sujet", "Term"),
    "signals.first_seen": ("Vu pour la première fois", "First seen"),
    "signals.authors": ("auteurs", "authors"),
    "signals.why": ("Pourquoi", "Why"),
    "signals.sample": ("Posts de l'histoire", "Posts of the story"),
    "notfound.story": ("Aucune histoire « {id} ».", "No story “{id}”."),
    "ecosystem.title": ("Écosystème", "Ecosystem"),
    "ecosystem.everyone": ("Tout l'écosystème", "The whole ecosystem"),
    "ecosystem.shown": (
        "{shown} comptes montrés sur {total}, {edges} liens",
        "{shown} accounts shown of {total}, {edges} links",
    ),
    "ecosystem.caption": (
        "Graphe des interactions (taille : PageRank, couleur : communauté). Cliquez un nœud "
        "pour son nom ; les chiffres sont dans les tableaux ci-dessous.",
        "Interaction graph (size: PageRank, colour: community). Click a node for its name; "
        "the figures are in the tables below.",
    ),
    "ecosystem.communities": ("Communautés", "Communities"),
    "ecosystem.size": ("Taille", "Size"),
    "ecosystem.top": ("Comptes les plus centraux", "Most central accounts"),
    "ecosystem.engage": ("Qui engager", "Who to engage"),
    "objectives.title": ("Objectifs", "Objectives"),
    "objectives.none": ("Aucun objectif dans veille.toml.", "No objective in veille.toml."),
    "presence.title": ("Présence de la cohorte", "Cohort presence"),
    "presence.at": ("Situation au {day}", "Status on {day}"),
    "presence.weekly": (
        "Part des dirigeants actifs, semaine par semaine",
        "Share of active leaders, week by week",
    ),
    "presence.now": ("Par dirigeant et réseau", "By leader and network"),
    "presence.active": ("actif", "active"),
    "presence.dormant": ("en sommeil", "dormant"),
    "presence.absent": ("absent", "absent"),
    "presence.active_share": ("part active", "active share"),
    "presence.last_post": ("Dernier post", "Last post"),
    "objectives.at": ("Au {day}", "On {day}"),
    "objectives.on": ("en bonne voie", "on track"),
    "objectives.off": ("hors trajectoire", "off track"),
    "objectives.series": ("{metric}, semaine par semaine", "{metric}, week by week"),
    "objectives.roi": ("Les cinq dimensions du retour", "The five ROI dimensions"),
    "objectives.measures": ("Ce que veille mesure", "What veille measures"),
    "objectives.cannot": ("Ce qu'il ne peut pas mesurer", "What it cannot measure"),
    "col.current": ("Actuel", "Current"),
    "col.trend": ("Tendance / sem.", "Trend / week"),
    "col.projected": ("Projeté", "Projected"),
    "col.needed": ("Nécessaire / sem.", "Needed / week"),
    "col.week": ("Semaine", "Week"),
    "sources.title": ("Sources", "Sources"),
    "sources.none": (
        "Aucune source collectée pour l'instant (imports uniquement).",
        "No source collected yet (imports only).",
    ),
    "sources.imports": ("Derniers imports", "Last imports"),
    "settings.title": ("Réglages", "Settings"),
    "settings.workspace": ("Espace de travail", "Workspace"),
    "settings.users": ("Utilisateurs", "Users"),
    "settings.tokens": ("Jetons d'API", "API tokens"),
    "settings.tokens_hint": (
        "Créez un jeton avec `veille token add NOM` ; il n'est montré qu'une fois.",
        "Create a token with `veille token add NAME`; it is shown once.",
    ),
    "settings.you": ("Connecté en tant que {name} ({role}).", "Logged in as {name} ({role})."),
    "settings.admin_only": ("Réservé aux administrateurs.", "Admins only."),
    "digest.title": ("Digest", "Digest"),
    "check.title": ("Vérifier un brouillon", "Check a draft"),
    "check.draft": ("Brouillon", "Draft"),
    "check.submit": ("Vérifier", "Check"),
    "check.verdict": ("Verdict", "Verdict"),
    "check.rule": ("Règle", "Rule"),
    "check.reason": ("Pourquoi", "Why"),
    "digest.feed": ("Flux Atom du digest", "The digest's Atom feed"),
    "digest.open": ("ouvrir", "open"),
    "digest.none": (
        "Aucun digest enregistré : `veille digest` en construit un chaque jour.",
        "No digest stored yet: `veille digest` builds one a day.",
    ),
    "table.toggle": ("Voir les chiffres", "Show the figures"),
    "error.title": ("Erreur", "Error"),
    "error.readonly": ("Démonstration en lecture seule.", "Read-only demo."),
    "error.forbidden": ("Réservé aux administrateurs.", "Admins only."),
    "error.csrf": (
        "Formulaire expiré ou invalide : rechargez la page.",
        "Expired or invalid form: reload the page.",
    ),
    "error.invalid": (
        "Paramètre invalide : {field} ({reason})",
        "Invalid parameter: {field} ({reason})",
    ),
    "none": ("—", "—"),
    "yes": ("oui", "yes"),
    "no": ("non", "no"),
}

_MONTHS = {
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
NARROW_NBSP = "\u202f"


def pick(lang: str | None, default: str = "fr") -> str:
    return lang if lang in LANGS else (default if default in LANGS else "fr")


def tr(lang: str, key: str, **values: object) -> str:
    fr, en = MESSAGES[key]
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text


def number(lang: str, value: float | int | None, digits: int = 0) -> str:
    """``12 345,6`` in French (narrow no-break spaces), ``12,345.6`` in English."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
    return text


def percent(lang: str, value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    body = number(lang, value * 100, digits)
    return f"{body}{NARROW_NBSP}%" if lang == "fr" else f"{body}%"


def _parse(value: str) -> date | datetime | None:
    try:
        return datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    except ValueError:
        return None


def day(lang: str, value: date | datetime | str | None, tz: str = "UTC") -> str:
    if isinstance(value, str):
        value = _parse(value)
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    month = _MONTHS[lang][value.month - 1]
    if lang == "fr":
        return f"{value.day} {month} {value.year}"
    return f"{month} {value.day}, {value.year}"


def moment(lang: str, value: datetime | str | None, tz: str = "UTC") -> str:
    if isinstance(value, str):
        parsed = _parse(value)
        value = parsed if isinstance(parsed, datetime) else None
    if value is None:
        return "—"
    local = value.astimezone(_zone(tz))
    return f"{day(lang, local.date())} {local:%H:%M}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def duration(lang: str, seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{number(lang, seconds)} s"
    if seconds < 7200:
        return f"{number(lang, seconds / 60)} min"
    if seconds < 172800:
        return f"{number(lang, seconds / 3600, 1)} h"
    return f"{number(lang, seconds / 86400, 1)} {'j' if lang == 'fr' else 'd'}"
