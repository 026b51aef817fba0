"""French and English messages of the pre-publication check."""

from __future__ import annotations

from veille.i18n import register

register(
    {
        "check.did_you_mean": ("Vouliez-vous dire {names} ?", "Did you mean {names}?"),
        "check.bad_network": (
            "réseau inconnu « {network} » (attendu : {networks})",
            "unknown network '{network}' (expected one of {networks})",
        ),
        "check.too_big": (
            "brouillon de {size} octets : trop gros pour un post (maximum {limit} octets)",
            "draft of {size} bytes: too big for a post (limit {limit} bytes)",
        ),
        "check.empty": ("brouillon vide : rien à vérifier", "empty draft: nothing to check"),
        "check.surrogates": (
            "le brouillon contient des demi-caractères UTF-16 isolés (texte mal décodé)",
            "the draft holds lone UTF-16 surrogates (badly decoded text)",
        ),
        "check.not_utf8": (
            "{path} : pas de l'UTF-8 (octet {byte}, ligne {line})",
            "{path}: not UTF-8 (byte {byte}, line {line})",
        ),
        "check.no_file": ("{path} : fichier introuvable", "{path}: no such file"),
        "check.one_source": (
            "donnez le brouillon en argument, ou --file FICHIER, ou - pour l'entrée standard",
            "give the draft as an argument, or --file FILE, or - for stdin",
        ),
        "check.leader_needs_workspace": (
            "--leader demande un espace de travail (--workspace DOSSIER)",
            "--leader needs a workspace (--workspace DIR)",
        ),
        "check.skipped": ("ignorée : {why}", "skipped: {why}"),
        "check.why.no_workspace": ("pas d'espace de travail", "no workspace"),
        "check.why.no_leader": ("pas de dirigeant (--leader)", "no leader given (--leader)"),
        "check.why.no_model": (
            "langue sans modèle de sentiment",
            "no sentiment model for this language",
        ),
        "check.why.few_posts": (
            "{n} posts passés du dirigeant, il en faut {need}",
            "{n} past posts of the leader, {need} needed",
        ),
        "check.why.few_engagements": (
            "{n} interactions de l'audience, il en faut {need}",
            "{n} audience engagements, {need} needed",
        ),
        "check.network.bluesky": ("Bluesky", "Bluesky"),
        "check.network.x": ("X", "X"),
        "check.network.mastodon": ("Mastodon", "Mastodon"),
        "check.network.linkedin": ("LinkedIn", "LinkedIn"),
        "check.unit.bluesky": ("graphèmes", "graphemes"),
        "check.unit.x": ("caractères pondérés", "weighted characters"),
        "check.unit.mastodon": ("caractères", "characters"),
        "check.unit.linkedin": ("caractères", "characters"),
        "check.length.ok": (
            "{value} {unit} sur {limit} ({network})",
            "{value} of {limit} {unit} ({network})",
        ),
        "check.length.over": (
            "{value} {unit} : {over} de trop pour {network} (maximum {limit})",
            "{value} {unit}: {over} over the {network} limit of {limit}",
        ),
        "check.length.invalid": (
            "caractères refusés par X : {chars}",
            "characters X refuses: {chars}",
        ),
        "check.lang.fr": ("français", "French"),
        "check.lang.en": ("anglais", "English"),
        "check.lang.de": ("allemand", "German"),
        "check.lang.es": ("espagnol", "Spanish"),
        "check.lang.it": ("italien", "Italian"),
        "check.lang.nl": ("néerlandais", "Dutch"),
        "check.lang.pt": ("portugais", "Portuguese"),
        "check.language.ok": ("{lang} (confiance {conf})", "{lang} (confidence {conf})"),
        "check.language.unclear": (
            "langue incertaine (confiance {conf})",
            "language unclear (confidence {conf})",
        ),
        "check.language.unusual": (
            "en {lang}, alors que le dirigeant publie en {usual}",
            "in {lang}, while the leader posts in {usual}",
        ),
        "check.label.positive": ("positif", "positive"),
        "check.label.neutral": ("neutre", "neutral"),
        "check.label.negative": ("négatif", "negative"),
        "check.sentiment.ok": ("{label} (probabilité {p})", "{label} (probability {p})"),
        "check.sentiment.negative": (
            "se lit comme négatif (probabilité {p})",
            "reads as negative (probability {p})",
        ),
        "check.tone.ok": (
            "ni démenti, ni rumeur, ni ton dur",
            "no denial, hedging or harsh tone",
        ),
        "check.tone.uncertainty": (
            "ton de rumeur : {terms} (indice {score})",
            "reads like a rumour: {terms} (cue score {score})",
        ),
        "check.tone.denial": (
            "ton de démenti : {terms} (indice {score}) ; un démenti relaie ce qu'il dément",
            "reads as a denial: {terms} (cue score {score}); a denial spreads what it denies",
        ),
        "check.tone.harsh": (
            "ton très négatif (probabilité {p})",
            "very negative tone (probability {p})",
        ),
        "check.risk.insults.none": ("aucune insulte", "no insult"),
        "check.risk.insults.found": (
            "insulte ou grossièreté : {terms}",
            "insult or profanity: {terms}",
        ),
        "check.risk.confidential.none": (
            "aucune mention de confidentialité",
            "no confidentiality marker",
        ),
        "check.risk.confidential.found": (
            "marque de confidentialité ou d'embargo : {terms}",
            "confidentiality or embargo marker: {terms}",
        ),
        "check.risk.market.none": (
            "aucun terme sensible pour la bourse",
            "no market-sensitive term",
        ),
        "check.risk.market.found": (
            "terme sensible pour une société cotée : {terms}",
            "market-sensitive term for a listed company: {terms}",
        ),
        "check.risk.market.org": ("(cite {orgs})", "(names {orgs})"),
        "check.risk.absolute.none": ("aucune affirmation absolue", "no absolute claim"),
        "check.risk.absolute.found": (
            "affirmation absolue, difficile à tenir : {terms}",
            "absolute claim, hard to stand by: {terms}",
        ),
        "check.shouting.ok": (
            "pas de cris ({share} de majuscules)",
            "no shouting ({share} capitals)",
        ),
        "check.shouting.warn": (
            "ton criard : {share} de majuscules, mots en capitales : {words}, "
            "{bangs} points d'exclamation d'affilée",
            "shouting: {share} capitals, words in capitals: {words}, "
            "{bangs} exclamation marks in a row",
        ),
        "check.shouting.fail": (
            "le brouillon crie : {share} de majuscules, {bangs} points d'exclamation d'affilée",
            "the draft shouts: {share} capitals, {bangs} exclamation marks in a row",
        ),
        "check.mentions.none": ("aucune mention", "no mention"),
        "check.mentions.ok": (
            "{n} mention(s), toutes connues de l'espace",
            "{n} mention(s), all known to the workspace",
        ),
        "check.mentions.unknown": (
            "mention(s) inconnue(s) de l'espace (faute de frappe ?) : {handles}",
            "mention(s) unknown to the workspace (typo?): {handles}",
        ),
        "check.hashtags.none": ("aucun mot-dièse", "no hashtag"),
        "check.hashtags.ok": (
            "{n} mot(s)-dièse, aucun dans un signal en cours",
            "{n} hashtag(s), none in a current signal",
        ),
        "check.hashtags.signal": (
            "mot(s)-dièse dans un signal en cours : {tags}",
            "hashtag(s) in a current signal: {tags}",
        ),
        "check.hashtags.bad_buzz": (
            "mot(s)-dièse d'un bad buzz en cours : {tags}",
            "hashtag(s) of a current bad buzz: {tags}",
        ),
        "check.fit.ok": (
            "dans la ligne éditoriale de {name} : similarité {score} "
            "(au-dessus de {rank} de ses propres posts ; 10e centile {p10})",
            "in {name}'s editorial line: similarity {score} "
            "(above {rank} of their own posts; 10th percentile {p10})",
        ),
        "check.fit.far": (
            "loin de la ligne éditoriale de {name} : similarité {score}, sous le 10e centile "
            "de ses propres posts ({p10})",
            "far from {name}'s editorial line: similarity {score}, below the 10th percentile "
            "of their own posts ({p10})",
        ),
        "check.hour.best": (
            "meilleure heure : {best} ({tz}), {share} des interactions de l'audience",
            "best hour: {best} ({tz}), {share} of the audience's engagement",
        ),
        "check.hour.quiet": (
            "maintenant ({now}) l'audience est calme ({ratio} de la meilleure heure) ; "
            "meilleure heure : {best} ({tz})",
            "now ({now}) is a quiet hour ({ratio} of the best hour); best hour: {best} ({tz})",
        ),
        "check.day.0": ("lundi", "Monday"),
        "check.day.1": ("mardi", "Tuesday"),
        "check.day.2": ("mercredi", "Wednesday"),
        "check.day.3": ("jeudi", "Thursday"),
        "check.day.4": ("vendredi", "Friday"),
        "check.day.5": ("samedi", "Saturday"),
        "check.day.6": ("dimanche", "Sunday"),
        "check.col.rule": ("règle", "rule"),
        "check.col.status": ("état", "status"),
        "check.col.reason": ("raison", "reason"),
        "check.verdict": ("verdict : {verdict}", "verdict: {verdict}"),
    }
)
