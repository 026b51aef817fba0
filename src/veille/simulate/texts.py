"""Templated French and English text for the simulator: topics, hashtags, sentences that carry
sentiment, bios with stakeholder cues, headlines. Everything here is invented.

The sentences are templates with ``{org}``, ``{topic}``, ``{leader}``... slots. They use
ordinary sentiment-bearing vocabulary ("bravo", "décevant", "great", "disgraceful") so a
lexicon or a small model picks the intended polarity up, but they are far more regular than
real posts: fine to exercise the pipeline and a demo, not to measure accuracy."""

from __future__ import annotations

import re

SECTORS: tuple[str, ...] = ("tech", "finance", "energie", "luxe", "sante")
SENTIMENTS: tuple[str, ...] = ("pos", "neu", "neg")

TOPICS: dict[str, dict[str, list[str]]] = {
    "tech": {
        "fr": [
            "l'IA générative",
            "le cloud souverain",
            "la cybersécurité",
            "la souveraineté numérique",
            "les données",
            "le recrutement de développeurs",
            "l'open source",
            "les agents IA",
            "la 5G industrielle",
        ],
        "en": [
            "generative AI",
            "sovereign cloud",
            "cybersecurity",
            "data platforms",
            "open source",
            "hiring engineers",
            "AI agents",
            "edge computing",
        ],
    },
    "finance": {
        "fr": [
            "les taux d'intérêt",
            "le crédit immobilier",
            "la banque mobile",
            "l'épargne",
            "la finance durable",
            "les frais bancaires",
            "les paiements instantanés",
            "la lutte contre la fraude",
        ],
        "en": [
            "interest rates",
            "mortgages",
            "mobile banking",
            "savings accounts",
            "sustainable finance",
            "bank fees",
            "instant payments",
            "fraud prevention",
        ],
    },
    "energie": {
        "fr": [
            "la transition énergétique",
            "le nucléaire",
            "l'éolien en mer",
            "le prix de l'électricité",
            "l'hydrogène vert",
            "la sobriété énergétique",
            "le solaire",
            "les réseaux électriques",
        ],
        "en": [
            "the energy transition",
            "nuclear power",
            "offshore wind",
            "electricity prices",
            "green hydrogen",
            "solar power",
            "grid investment",
            "battery storage",
        ],
    },
    "luxe": {
        "fr": [
            "la nouvelle collection",
            "le commerce en ligne",
            "le savoir-faire artisanal",
            "les boutiques",
            "la seconde main",
            "le service client",
            "la maroquinerie",
            "l'horlogerie",
        ],
        "en": [
            "the new collection",
            "e-commerce",
            "craftsmanship",
            "flagship stores",
            "resale",
            "customer service",
            "leather goods",
            "watchmaking",
        ],
    },
    "sante": {
        "fr": [
            "la recherche clinique",
            "les biotechs",
            "l'hôpital",
            "la télémédecine",
            "les vaccins",
            "l'accès aux soins",
            "les essais cliniques",
            "la e-santé",
        ],
        "en": [
            "clinical research",
            "biotech",
            "hospitals",
            "telehealth",
            "vaccines",
            "access to care",
            "clinical trials",
            "digital health",
        ],
    },
}

TAGS: dict[str, dict[str, list[str]]] = {
    "tech": {
        "fr": ["IA", "cloud", "cybersécurité", "tech", "numérique", "opensource"],
        "en": ["AI", "cloud", "cybersecurity", "tech", "opensource", "data"],
    },
    "finance": {
        "fr": ["banque", "finance", "fintech", "épargne", "immobilier"],
        "en": ["banking", "finance", "fintech", "markets", "savings"],
    },
    "energie": {
        "fr": ["énergie", "transitionénergétique", "climat", "nucléaire", "hydrogène"],
        "en": ["energy", "climate", "renewables", "nuclear", "hydrogen"],
    },
    "luxe": {
        "fr": ["luxe", "mode", "retail", "savoirfaire", "artisanat"],
        "en": ["luxury", "fashion", "retail", "craftsmanship"],
    },
    "sante": {
        "fr": ["santé", "biotech", "esanté", "recherche", "hôpital"],
        "en": ["health", "biotech", "healthtech", "research"],
    },
}

# Originals about an organisation ({org}) and a topic ({topic}).
ORIGINAL: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "{org} frappe fort sur {topic} : une vraiment belle réussite.",
            "Très impressionné par le travail de {org} sur {topic}. Bravo aux équipes !",
            "Excellente nouvelle pour {topic} : {org} accélère, et c'est enthousiasmant.",
            "Ravie de voir {org} investir dans {topic}. Bravo !",
            "{org} montre la voie sur {topic}. Formidable travail, vraiment.",
            "Belle annonce de {org} sur {topic}, j'adore l'ambition.",
            "Merci {org} pour cette initiative sur {topic}, c'est remarquable.",
            "Génial : {org} ouvre ses données sur {topic}. Une excellente idée.",
        ],
        "neu": [
            "{org} présente aujourd'hui sa feuille de route sur {topic}.",
            "Point d'étape sur {topic} : quels enjeux pour {org} ?",
            "Lu ce matin : une analyse de {topic} et de la place de {org}.",
            "{org} organise jeudi une table ronde sur {topic}.",
            "Quelqu'un a suivi la présentation de {org} sur {topic} ?",
            "Chiffres publiés par {org} sur {topic} pour le trimestre.",
            "Réunion cette semaine sur {topic} avec {org} et d'autres acteurs.",
            "{org} recrute sur {topic}, d'après leur page carrières.",
        ],
        "neg": [
            "Franchement décevant, la stratégie de {org} sur {topic}.",
            "{org} et {topic} : c'est inquiétant, personne ne comprend la direction prise.",
            "Service client de {org} catastrophique, je suis vraiment déçu.",
            "Encore une annonce creuse de {org} sur {topic}. Quelle déception.",
            "{org} rate complètement le virage de {topic}. Dommage et inquiétant.",
            "Les promesses de {org} sur {topic} ? Du vent, c'est nul.",
            "Mauvaise expérience avec {org} cette semaine, plutôt pénible.",
            "{org} recule encore sur {topic}, c'est lamentable.",
        ],
    },
    "en": {
        "pos": [
            "{org} is nailing {topic}. Really impressive work.",
            "Great news on {topic}: {org} is speeding up, and it's exciting.",
            "Proud to see {org} investing in {topic}. Well done!",
            "{org} is leading the way on {topic}. Brilliant work by the team.",
            "Love the ambition in {org}'s announcement on {topic}.",
            "Thanks {org} for this excellent initiative on {topic}.",
            "Huge step forward for {topic} from {org}. Fantastic.",
            "Impressed by {org}'s results on {topic} this quarter. Great job.",
        ],
        "neu": [
            "{org} presents its roadmap on {topic} today.",
            "Where does {org} stand on {topic}? A quick look at the numbers.",
            "Reading this morning: an analysis of {topic} and {org}'s position.",
            "{org} is hosting a panel on {topic} on Thursday.",
            "Did anyone watch {org}'s presentation on {topic}?",
            "{org} published its quarterly figures on {topic}.",
            "Meeting this week on {topic} with {org} and others in the sector.",
            "{org} is hiring for {topic}, according to its careers page.",
        ],
        "neg": [
            "Really disappointing strategy from {org} on {topic}.",
            "{org} and {topic}: worrying, nobody understands where this is going.",
            "Terrible customer service from {org}. So frustrating.",
            "Another empty announcement from {org} on {topic}. What a letdown.",
            "{org} is completely missing the shift on {topic}. Sad and worrying.",
            "{org}'s promises on {topic}? Hot air. Awful.",
            "Bad experience with {org} this week, honestly terrible.",
            "{org} backtracks again on {topic}. Unacceptable.",
        ],
    },
}

# Originals about a topic only.
ORIGINAL_TOPIC: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "Super conférence ce matin sur {topic}, des échanges passionnants.",
            "{topic_cap} avance enfin, et c'est une très bonne nouvelle.",
            "Bel article sur {topic}, clair et passionnant. Merci !",
            "Optimiste sur {topic} : les progrès de l'année sont impressionnants.",
        ],
        "neu": [
            "Qui travaille sur {topic} en ce moment ? Curieux d'avoir vos retours.",
            "Quelques notes sur {topic} après la réunion d'hier.",
            "{topic_cap} : trois questions à se poser avant 2027.",
            "Un fil sur {topic}, pour ceux que ça intéresse.",
        ],
        "neg": [
            "{topic_cap}, toujours le même blocage. C'est désespérant.",
            "Inquiet pour {topic} : les annonces ne suivent pas, c'est décevant.",
            "Encore un rapport alarmant sur {topic}. Triste constat.",
            "Ras-le-bol des promesses sur {topic}, rien ne bouge.",
        ],
    },
    "en": {
        "pos": [
            "Great conference this morning on {topic}, brilliant discussions.",
            "{topic_cap} is finally moving, and that's good news.",
            "Excellent piece on {topic}, clear and inspiring. Thanks!",
            "Optimistic about {topic}: this year's progress is impressive.",
        ],
        "neu": [
            "Who is working on {topic} right now? Curious to hear from you.",
            "A few notes on {topic} after yesterday's meeting.",
            "{topic_cap}: three questions to ask before 2027.",
            "A thread on {topic}, for those interested.",
        ],
        "neg": [
            "{topic_cap}, stuck again. Depressing.",
            "Worried about {topic}: the announcements don't deliver, disappointing.",
            "Another alarming report on {topic}. Sad state of affairs.",
            "Sick of empty promises on {topic}, nothing changes.",
        ],
    },
}

REPLY: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "Tout à fait d'accord, excellent point !",
            "Merci pour ce partage, très utile.",
            "Bravo, c'est une belle avancée.",
            "Exactement, bien vu !",
            "Super, hâte de voir la suite.",
            "Très juste, merci.",
        ],
        "neu": [
            "Intéressant, vous avez des chiffres ?",
            "Quelle est la source ?",
            "À suivre de près.",
            "Et pour les PME, ça change quoi ?",
            "Vous en parlez à la conférence de jeudi ?",
            "Il y a un lien vers le rapport ?",
        ],
        "neg": [
            "Pas du tout convaincu, c'est même inquiétant.",
            "Désolé mais c'est faux et décevant.",
            "Vous répondez à côté, c'est lamentable.",
            "Toujours les mêmes promesses, c'est pénible.",
            "Franchement nul, vous ne tenez jamais vos engagements.",
            "C'est honteux de présenter les choses comme ça.",
        ],
    },
    "en": {
        "pos": [
            "Totally agree, great point!",
            "Thanks for sharing, very useful.",
            "Well done, that's real progress.",
            "Exactly this!",
            "Love it, can't wait for what's next.",
            "Spot on, thank you.",
        ],
        "neu": [
            "Interesting, do you have numbers?",
            "What's the source?",
            "Worth watching.",
            "What does it change for small businesses?",
            "Will you cover this on Thursday?",
            "Is there a link to the report?",
        ],
        "neg": [
            "Not convinced at all, worrying actually.",
            "Sorry but that's wrong and disappointing.",
            "You're dodging the question, pathetic.",
            "Same old promises, so tiresome.",
            "Terrible, you never keep your word.",
            "Shameful way to spin this.",
        ],
    },
}

QUOTE: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "À lire absolument, excellent.",
            "Très juste, bravo.",
            "Belle analyse, je partage.",
        ],
        "neu": ["À lire.", "Intéressant, à discuter.", "Pour info."],
        "neg": [
            "Je ne partage pas du tout cette analyse, c'est décevant.",
            "Inquiétant, si c'est vrai.",
            "Quelle mauvaise idée.",
        ],
    },
    "en": {
        "pos": ["Must read, excellent.", "Spot on, well done.", "Great analysis."],
        "neu": ["Worth a read.", "Interesting, let's discuss.", "FYI."],
        "neg": ["I really disagree, disappointing take.", "Worrying, if true.", "What a bad idea."],
    },
}

LEADER_POST: dict[str, list[str]] = {
    "fr": [
        "Grande fierté aujourd'hui : {org} lance son programme sur {topic}.",
        "Merci à nos équipes pour cette excellente année sur {topic}.",
        "Mon intervention ce matin sur {topic} : l'innovation doit servir l'intérêt général.",
        "Nous accélérons sur {topic}. Rendez-vous très vite pour la suite.",
        "Belle rencontre avec nos clients à Lyon, merci pour vos retours sur {topic}.",
        "Chez {org}, nous recrutons 200 personnes pour {topic}. Rejoignez-nous !",
        "Trois convictions sur {topic}, partagées hier devant nos partenaires.",
        "Ravis d'annoncer notre partenariat sur {topic}. Une étape importante pour {org}.",
    ],
    "en": [
        "Proud of our teams: {org} is launching a new programme on {topic}.",
        "Great discussion today on {topic}. Thank you all!",
        "My talk this morning on {topic}: innovation must serve everyone.",
        "We are speeding up on {topic}. More to share very soon.",
        "Wonderful visit to our customers in Manchester, thanks for your feedback on {topic}.",
        "At {org} we are hiring 200 people for {topic}. Join us!",
        "Three convictions on {topic}, shared yesterday with our partners.",
        "Delighted to announce our partnership on {topic}. A big step for {org}.",
    ],
}

LEADER_REPLY: dict[str, list[str]] = {
    "fr": [
        "Merci pour votre message ! Nous y travaillons activement.",
        "Bonne question : nous publierons les chiffres la semaine prochaine.",
        "Je comprends votre inquiétude, notre équipe vous recontacte aujourd'hui.",
        "Merci beaucoup, c'est un travail collectif !",
        "Tout à fait, et nous irons plus loin dès cet automne.",
        "Merci pour ce retour, je transmets à l'équipe.",
    ],
    "en": [
        "Thanks for your message! We're actively working on it.",
        "Good question, we'll share the numbers next week.",
        "I hear you, our team will get back to you today.",
        "Thank you, it's a team effort!",
        "Absolutely, and we'll go further this autumn.",
        "Thanks for the feedback, passing it on to the team.",
    ],
}

JOURNALIST: dict[str, list[str]] = {
    "fr": [
        "Mon article du jour sur {topic} et {org}.",
        "Enquête : comment {org} se positionne sur {topic}.",
        "Nous avons interrogé plusieurs dirigeants sur {topic}. À lire demain.",
        "{org} confirme ses objectifs sur {topic}, selon le communiqué.",
        "Je cherche des témoignages sur {topic}, écrivez-moi.",
        "Entretien avec la direction de {org} sur {topic}, en ligne.",
    ],
    "en": [
        "My story today on {topic} and {org}.",
        "Investigation: how {org} is positioning itself on {topic}.",
        "We asked several executives about {topic}. Out tomorrow.",
        "{org} confirms its targets on {topic}, per its statement.",
        "Looking for sources on {topic}, DMs open.",
        "Interview with {org}'s leadership on {topic}, now online.",
    ],
}

EMPLOYEE: dict[str, list[str]] = {
    "fr": [
        "Fier de travailler chez {org} : belle journée d'équipe sur {topic} !",
        "On recrute chez {org} ! Rejoignez-nous pour travailler sur {topic}.",
        "Superbe annonce de notre direction sur {topic}, bravo à tous.",
        "Quelle équipe ! Heureuse de bosser sur {topic} chez {org}.",
        "Retour du séminaire {org} : des projets passionnants sur {topic}.",
    ],
    "en": [
        "Proud to work at {org}: great team day on {topic}!",
        "We're hiring at {org}! Come work with us on {topic}.",
        "Brilliant announcement from our leadership on {topic}, well done all.",
        "What a team! Happy to work on {topic} at {org}.",
        "Back from the {org} offsite: exciting projects on {topic}.",
    ],
}

INVESTOR: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "Belle dynamique pour {org} ce trimestre, les fondamentaux sont solides.",
            "Je reste acheteur de {org} : excellent positionnement sur {topic}.",
        ],
        "neu": [
            "{org} publie ses résultats mardi, attention au guidage sur {topic}.",
            "Valorisation de {org} : le marché attend plus de visibilité sur {topic}.",
        ],
        "neg": [
            "Prudence sur {org} : les marges sont sous pression, c'est inquiétant.",
            "Déçu par la trajectoire de {org} sur {topic}, j'allège.",
        ],
    },
    "en": {
        "pos": [
            "Solid quarter for {org}, strong fundamentals.",
            "Still bullish on {org}: excellent position on {topic}.",
        ],
        "neu": [
            "{org} reports on Tuesday, watch the guidance on {topic}.",
            "{org} valuation: the market wants more visibility on {topic}.",
        ],
        "neg": [
            "Cautious on {org}: margins under pressure, worrying.",
            "Disappointed by {org}'s trajectory on {topic}, trimming.",
        ],
    },
}

POLITICIAN: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "Échange constructif avec {org} sur {topic} et l'emploi dans nos territoires.",
            "Bravo à {org} pour ces emplois créés dans la région.",
        ],
        "neu": [
            "Audition de {org} demain en commission sur {topic}.",
            "Question écrite au gouvernement sur {topic}.",
        ],
        "neg": [
            "Inacceptable : {org} doit rendre des comptes sur {topic}.",
            "Je dénonce l'attitude de {org} sur {topic}, c'est choquant.",
        ],
    },
    "en": {
        "pos": [
            "Constructive meeting with {org} on {topic} and local jobs.",
            "Well done {org} on the new jobs in our region.",
        ],
        "neu": [
            "{org} appears before the committee tomorrow on {topic}.",
            "Written question to the government on {topic}.",
        ],
        "neg": [
            "Unacceptable: {org} must be held accountable on {topic}.",
            "I condemn {org}'s behaviour on {topic}, shocking.",
        ],
    },
}

TROLL: dict[str, list[str]] = {
    "fr": [
        "{leader} menteur ! Démission !",
        "Encore un patron déconnecté, {leader} est une honte.",
        "Boycott de {org}, arnaque totale !!!",
        "Incompétence totale chez {org}. Honteux.",
        "{leader} se moque de nous, lamentable.",
        "{org} = escroquerie. Réveillez-vous !",
        "Quelle honte ce {leader}, dégage !",
        "Tout est pourri chez {org}, scandale !",
    ],
    "en": [
        "{leader} is a fraud. Resign!",
        "What a disgrace, {org} is a scam.",
        "{leader} lies again. Pathetic.",
        "Boycott {org}, total rip-off!!!",
        "{org} = corruption. Wake up people!",
        "{leader} must go, disgraceful.",
        "Rotten company, {org} should be ashamed.",
    ],
}

BOT: dict[str, list[str]] = {
    "fr": [
        "Cours de bourse {ticker} : {sign}{pct} % à la clôture #bourse",
        "Nouvelle offre d'emploi chez {org} : {job} #emploi #recrutement",
        "Veille auto : {n} articles sur {topic} aujourd'hui #veille",
    ],
    "en": [
        "{ticker} closed {sign}{pct}% today #stocks",
        "New job at {org}: {job} #hiring #jobs",
        "Auto digest: {n} stories on {topic} today #news",
    ],
}

JOBS: dict[str, list[str]] = {
    "fr": [
        "ingénieur·e logiciel",
        "chargé·e de clientèle",
        "data analyst",
        "juriste",
        "technicien·ne de maintenance",
        "chef·fe de projet",
    ],
    "en": [
        "software engineer",
        "customer advisor",
        "data analyst",
        "legal counsel",
        "maintenance technician",
        "project manager",
    ],
}

RUMOUR: dict[str, list[str]] = {
    "fr": [
        "Il paraît que {org} serait sur le point de racheter {target}... quelqu'un confirme ?",
        "Selon nos informations, {org} négocierait le rachat de {target}. Non confirmé à ce stade.",
        "Rachat de {target} par {org} : intox ?",
        "{org} va racheter {target} ? Est-ce vrai ?",
        "Rumeur persistante d'une fusion entre {org} et {target}, rien d'officiel.",
        "On entend que {org} préparerait une offre sur {target}, à prendre avec des pincettes.",
        "Des sources évoquent un rachat de {target} par {org}, non confirmé.",
        "{org} et {target}, une fusion en vue ? Il paraît que les banques sont déjà mandatées.",
    ],
    "en": [
        "Reportedly {org} is in talks to acquire {target}. Unconfirmed.",
        "Is it true that {org} wants to buy {target}?",
        "Unconfirmed: {org} said to be eyeing {target}.",
        "Rumour: {org} preparing a bid for {target}? Take with a pinch of salt.",
    ],
}

RUMOUR_NEWS_ECHO: dict[str, list[str]] = {
    "fr": [
        "{media} évoque le rachat de {target} par {org}, toujours non confirmé.",
        "Rachat de {target} par {org} : {media} en parle aussi. Intox ou pas ?",
    ],
    "en": ["{media} reports {org} is in talks for {target}, still unconfirmed."],
}

DENIAL: dict[str, list[str]] = {
    "fr": [
        "{org} dément toute discussion avec {target}. Nous restons concentrés sur notre "
        "plan stratégique."
    ],
    "en": ["{org} denies any talks with {target}. We remain focused on our plan."],
}

BAD_BUZZ_ISSUE: dict[str, dict[str, list[str]]] = {
    "tech": {
        "fr": ["a laissé fuiter nos données", "a coupé le service sans prévenir"],
        "en": ["leaked our data", "shut the service down without notice"],
    },
    "finance": {
        "fr": ["bloque nos comptes depuis deux jours", "prélève des frais cachés"],
        "en": ["has frozen our accounts for two days", "charges hidden fees"],
    },
    "energie": {
        "fr": ["double les factures sans prévenir", "coupe le courant à des familles"],
        "en": ["doubled bills without notice", "cuts power to families"],
    },
    "luxe": {
        "fr": ["vend des sacs défectueux hors de prix", "ignore les clients mécontents"],
        "en": ["sells overpriced faulty bags", "ignores angry customers"],
    },
    "sante": {
        "fr": ["rappelle un médicament en catimini", "cache des effets secondaires"],
        "en": ["quietly recalled a drug", "hid side effects"],
    },
}

BAD_BUZZ: dict[str, list[str]] = {
    "fr": [
        "Scandaleux : {org} {issue}.",
        "Je résilie tout chez {org}, c'est inadmissible.",
        "{org} {issue}, et aucune excuse. Honteux.",
        "{org} {issue} ?! Quelle honte.",
        "Incroyable, {org} {issue}. Je suis furieux.",
        "Plus jamais {org}. Lamentable.",
        "Arnaque : {org} {issue}. Partagez !",
        "Écœuré : {org} {issue}.",
    ],
    "en": [
        "Outrageous: {org} {issue}.",
        "Never again with {org}. Terrible.",
        "{org} {issue} and no apology. Disgraceful.",
        "{org} {issue}?! Shameful.",
        "Unbelievable, {org} {issue}. Furious.",
        "Done with {org}. Awful company.",
    ],
}

BAD_BUZZ_ANSWER: dict[str, list[str]] = {
    "fr": [
        "Nous sommes désolés pour la gêne occasionnée. Nos équipes sont mobilisées, "
        "écrivez-nous en message privé."
    ],
    "en": ["We are sorry for the trouble. Our teams are on it, please send us a DM."],
}

CONFERENCE: dict[str, list[str]] = {
    "fr": [
        "En direct du {event} : passionnant débat sur {topic}.",
        "Salle comble au {event} ! Excellente ambiance.",
        "Passionnant atelier sur {topic} au {event}.",
        "Au {event}, {leader} parle de {topic}. Très inspirant.",
        "Première journée du {event}, des rencontres formidables.",
        "Keynote sur {topic} au {event}, quelques notes.",
    ],
    "en": [
        "Live from {event}: great debate on {topic}.",
        "Packed room at {event}! Amazing energy.",
        "Brilliant workshop on {topic} at {event}.",
        "At {event}, {leader} talking about {topic}. Inspiring.",
        "Day one of {event}, fantastic people.",
        "Keynote on {topic} at {event}, some notes.",
    ],
}

LAUNCH: dict[str, list[str]] = {
    "fr": [
        "{org} lance {product} : premières impressions très positives.",
        "{product} de {org}, enfin disponible ! Bravo.",
        "Testé {product} ce matin : bluffant.",
        "{product} : {org} frappe fort.",
        "Lancement de {product} par {org}, à suivre.",
        "{product} est là. Un peu cher, mais intéressant.",
    ],
    "en": [
        "{org} launches {product}: very positive first impressions.",
        "{product} by {org} is finally here! Well done.",
        "Tried {product} this morning: impressive.",
        "{product}: {org} hits hard.",
        "{org} launches {product}, one to watch.",
        "{product} is out. Pricey, but interesting.",
    ],
}

HEADLINE: dict[str, dict[str, list[str]]] = {
    "fr": {
        "pos": [
            "{org} accélère sur {topic}",
            "{topic_cap} : {org} dévoile ses ambitions",
            "{org} signe un trimestre solide grâce à {topic}",
        ],
        "neu": [
            "Le patron de {org} défend sa stratégie",
            "Les coulisses de {topic}",
            "{topic_cap} : ce qui change à la rentrée",
            "{org} face au défi de {topic}",
        ],
        "neg": [
            "{org} sous pression sur {topic}",
            "{topic_cap} : l'inquiétude monte",
            "Les salariés de {org} inquiets",
        ],
    },
    "en": {
        "pos": ["{org} doubles down on {topic}", "{org} posts strong quarter on {topic}"],
        "neu": [
            "Inside {org}'s bet on {topic}",
            "{topic_cap}: what changes this autumn",
            "{org}'s chief defends strategy",
        ],
        "neg": ["{org} under pressure over {topic}", "{topic_cap}: worries grow"],
    },
}

ARTICLE_LEAD: dict[str, list[str]] = {
    "fr": [
        "Notre analyse des annonces de {org} et de leurs effets sur {topic}.",
        "Dirigeants, analystes et salariés racontent comment {org} aborde {topic}.",
    ],
    "en": [
        "Our analysis of {org}'s announcements and what they mean for {topic}.",
        "Executives, analysts and staff on how {org} handles {topic}.",
    ],
}

BLOG_TITLE: dict[str, list[str]] = {
    "fr": [
        "Ce que j'ai appris sur {topic}",
        "Lettre aux équipes : nos priorités",
        "{topic_cap} : pourquoi nous y croyons",
        "Retour sur un trimestre intense",
    ],
    "en": [
        "What I learned about {topic}",
        "A letter to our teams",
        "{topic_cap}: why we believe in it",
        "Looking back on an intense quarter",
    ],
}

NEWSROOM_TITLE: dict[str, list[str]] = {
    "fr": [
        "{org} annonce un partenariat sur {topic}",
        "{org} publie son rapport sur {topic}",
        "Nomination au comité exécutif de {org}",
    ],
    "en": [
        "{org} announces a partnership on {topic}",
        "{org} publishes its {topic} report",
        "{org} appoints a new executive",
    ],
}

# ----------------------------------------------------------------------------- people

FIRST: dict[str, list[str]] = {
    "fr": [
        "Marie",
        "Julien",
        "Camille",
        "Thomas",
        "Léa",
        "Nicolas",
        "Chloé",
        "Antoine",
        "Sarah",
        "Maxime",
        "Manon",
        "Hugo",
        "Inès",
        "Lucas",
        "Emma",
        "Louis",
        "Claire",
        "Mathieu",
        "Pauline",
        "Romain",
        "Élodie",
        "Olivier",
        "Sophie",
        "Benoît",
        "Anaïs",
        "Karim",
        "Amina",
        "Yanis",
        "Nadia",
        "Étienne",
        "Margaux",
        "Quentin",
        "Aurélie",
        "Florian",
        "Océane",
        "Jérôme",
        "Laure",
        "Sébastien",
        "Hélène",
        "Grégoire",
    ],
    "en": [
        "James",
        "Emily",
        "Oliver",
        "Charlotte",
        "Jack",
        "Amelia",
        "Harry",
        "Olivia",
        "George",
        "Sophie",
        "Noah",
        "Isla",
        "Ethan",
        "Grace",
        "Liam",
        "Ava",
        "Mason",
        "Chloe",
        "Lucas",
        "Mia",
        "Daniel",
        "Ella",
        "Ryan",
        "Hannah",
        "Nathan",
        "Zoe",
        "Aiden",
        "Priya",
        "Omar",
        "Mei",
        "Sanjay",
        "Fatima",
        "Connor",
        "Megan",
        "Tyler",
    ],
}

LAST: dict[str, list[str]] = {
    "fr": [
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "David",
        "Bertrand",
        "Roux",
        "Vincent",
        "Fournier",
        "Morel",
        "Girard",
        "André",
        "Mercier",
        "Dupont",
        "Lambert",
        "Bonnet",
        "François",
        "Martinez",
        "Legrand",
        "Garnier",
        "Faure",
        "Rousseau",
        "Blanc",
        "Guérin",
        "Muller",
        "Henry",
        "Roussel",
        "Nicolas",
        "Perrin",
        "Morin",
        "Mathieu",
        "Clément",
        "Gauthier",
        "Dumont",
        "Lopez",
        "Fontaine",
        "Chevalier",
        "Robin",
        "Masson",
        "Benali",
        "Haddad",
        "Nguyen",
        "Peeters",
        "Janssens",
        "Maes",
        "Tremblay",
        "Gagnon",
        "Roy",
        "Côté",
        "Bouchard",
        "Favre",
        "Rochat",
    ],
    "en": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Robinson",
        "Wright",
        "Thompson",
        "Evans",
        "Walker",
        "White",
        "Roberts",
        "Green",
        "Hall",
        "Wood",
        "Jackson",
        "Clarke",
        "Patel",
        "Khan",
        "Lewis",
        "James",
        "Hughes",
        "Edwards",
        "Miller",
        "Davis",
        "Anderson",
        "Moore",
        "Martin",
        "Lee",
        "Campbell",
        "Stewart",
        "Murphy",
        "Kelly",
        "Chen",
        "Singh",
        "Ahmed",
        "O'Brien",
        "MacLeod",
    ],
}

PEER_COMPANIES: list[str] = [
    "Altavia",
    "Nexora",
    "Quantel",
    "Brivio",
    "Sélène Conseil",
    "Hexalis",
    "Marbeuf Partners",
    "Corvane",
    "Lumea",
    "Tessera Labs",
    "Ondine",
    "Arcanum",
    "Pivotal Ridge",
    "Blue Heron",
    "Westmere Group",
    "Calder & Finch",
    "Norwood Analytics",
    "Kitestring",
    "Fernhill",
]

VC_FIRMS: list[str] = [
    "Capucine Ventures",
    "Harbor Ventures",
    "Saint-Roch Capital",
    "Elmstead Partners",
    "Boréal Invest",
    "Greenlane Capital",
]

REGIONS: dict[str, list[str]] = {
    "FR": [
        "de la Gironde",
        "du Nord",
        "de Paris",
        "du Rhône",
        "de Loire-Atlantique",
        "des Bouches-du-Rhône",
    ],
    "BE": ["de Liège", "de Namur", "de Bruxelles"],
    "CH": ["de Genève", "du canton de Vaud"],
    "CA": ["for Ottawa Centre", "for Toronto Centre", "for Vancouver Quadra"],
    "GB": ["for Leeds North", "for Bristol West", "for Edinburgh South"],
    "US": ["for Ohio's 3rd district", "for California's 12th district"],
}

CITIES: dict[str, list[str]] = {
    "FR": ["Paris", "Lyon", "Bordeaux", "Lille", "Nantes", "Marseille", "Toulouse"],
    "BE": ["Bruxelles", "Liège", "Namur", "Gand"],
    "CH": ["Genève", "Lausanne", "Zurich"],
    "CA": ["Montréal", "Toronto", "Québec", "Vancouver"],
    "GB": ["London", "Manchester", "Leeds", "Edinburgh"],
    "US": ["New York", "Boston", "Austin", "Chicago", "Seattle"],
}

# Bios. ``{org}`` is the employer's name, ``{tag}`` its short @-name, ``{city}`` a city.
BIO: dict[str, dict[str, list[str]]] = {
    "journalist": {
        "fr": [
            "Journaliste @{tag}",
            "Journaliste économie à {org}. Avis perso.",
            "Rédactrice en chef adjointe, {org}",
            "Reporter tech pour {org}. DM ouverts.",
            "Journaliste énergie et climat @{tag}",
            "Pigiste, santé et sciences. {city}.",
            "Grand reporter à {org}",
            "Éditorialiste, {org}. Mes tweets n'engagent que moi.",
        ],
        "en": [
            "Reporter @{tag}",
            "Tech journalist at {org}. Views my own.",
            "Editor, {org}",
            "Business reporter for {org}. DMs open.",
            "Energy & climate correspondent @{tag}",
            "Freelance journalist, health and science. {city}.",
            "Senior correspondent, {org}",
        ],
    },
    "employee": {
        "fr": [
            "Ingénieure logiciel chez {org}",
            "Chargé de communication @{tag}",
            "Responsable RH chez {org}. {city}.",
            "Data scientist @{tag}",
            "Conseillère clientèle chez {org}",
            "Chef de projet chez {org}, passionné de trail.",
            "Technicien chez {org}. Avis perso.",
            "Développeuse @{tag}, fan de jazz.",
        ],
        "en": [
            "Software engineer at {org}",
            "Product manager @{tag}",
            "HR business partner at {org}. {city}.",
            "Data scientist @{tag}",
            "Customer advisor at {org}",
            "Project lead at {org}. Runner.",
            "Working at {org}. Views my own.",
            "Engineer @{tag}, coffee addict.",
        ],
    },
    "investor": {
        "fr": [
            "Investisseur. Business angel.",
            "Analyste financière, secteur bancaire",
            "Associé chez {vc}",
            "Gérant de portefeuille. {city}.",
            "Business angel, ex-fondateur. J'investis dans la tech.",
        ],
        "en": [
            "Investor. Ex-founder.",
            "Equity analyst covering European banks",
            "Partner at {vc}",
            "VC | seed & series A",
            "Portfolio manager. {city}.",
            "Angel investor in climate tech.",
        ],
    },
    "politician": {
        "fr": [
            "Député {region}",
            "Sénatrice {region}",
            "Conseiller régional. {city}.",
            "Maire de {city}",
            "Députée fédérale {region}",
            "Conseillère nationale {region}",
        ],
        "en": [
            "MP {region}",
            "Member of Parliament {region}",
            "State senator",
            "City councillor, {city}",
            "Member of Congress {region}",
        ],
    },
    "peer": {
        "fr": [
            "PDG de {company}",
            "Fondatrice & CEO de {company}",
            "Directeur général @ {company}",
            "Entrepreneur. CEO {company}.",
            "Présidente du directoire, {company}",
        ],
        "en": [
            "CEO at {company}",
            "Founder & CEO, {company}",
            "Managing director, {company}",
            "Chief executive, {company}",
            "Co-founder and CEO @ {company}",
        ],
    },
    "public": {
        "fr": [
            "Passionné de vélo et de cuisine.",
            "Maman de deux enfants, {city}.",
            "Étudiant en droit.",
            "Amateur de jazz. Avis perso.",
            "",
            "",
            "Jardinage, randonnée, photo.",
            "Prof de maths à {city}.",
            "Lecteur compulsif.",
            "Retraitée curieuse de tout.",
        ],
        "en": [
            "Coffee, books and hiking.",
            "Dad. Runner. Nerd.",
            "Views my own.",
            "",
            "",
            "Nurse in {city}.",
            "Gardening and photography.",
            "Student.",
            "Music lover from {city}.",
            "Teacher. Reader.",
        ],
    },
    "troll": {
        "fr": [
            "Libre penseur. Anti-système.",
            "Je dis ce que les médias cachent.",
            "Réveillez-vous !",
            "",
            "Pas de filtre.",
        ],
        "en": ["Truth seeker. No filter.", "Question everything.", "", "Anti-elite."],
    },
    "bot": {
        "fr": [
            "Bot automatisé : cours de bourse quotidiens.",
            "Compte automatique d'offres d'emploi.",
            "Bot de veille, publications automatiques.",
        ],
        "en": [
            "Automated account posting job offers.",
            "Bot: daily stock quotes.",
            "Beep boop, automated news digest.",
        ],
    },
}

#: First names read as female (for grammatical agreement of French roles and bios).
FEMALE: frozenset[str] = frozenset(
    {
        "Marie",
        "Camille",
        "Léa",
        "Chloé",
        "Sarah",
        "Manon",
        "Inès",
        "Emma",
        "Claire",
        "Pauline",
        "Élodie",
        "Sophie",
        "Anaïs",
        "Amina",
        "Nadia",
        "Margaux",
        "Aurélie",
        "Océane",
        "Laure",
        "Hélène",
        "Emily",
        "Charlotte",
        "Amelia",
        "Olivia",
        "Isla",
        "Grace",
        "Ava",
        "Chloe",
        "Mia",
        "Ella",
        "Hannah",
        "Zoe",
        "Priya",
        "Mei",
        "Fatima",
        "Megan",
    }
)

_ELISION = re.compile(r"\b([DdQq]u?)e ([AEIOUÉÈÊ])")
_CONTRACTION = re.compile(r"\b([àÀ]|[dD]e) (les?)\b")
_CONTRACTED = {("à", "le"): "au", ("à", "les"): "aux", ("de", "le"): "du", ("de", "les"): "des"}


def _contract(match: re.Match[str]) -> str:
    word = _CONTRACTED[(match.group(1).lower(), match.group(2))]
    return word.capitalize() if match.group(1)[0].isupper() else word


def elide(text: str) -> str:
    """French elision and contraction after templates are filled: ``de Orbitek`` ->
    ``d'Orbitek``, ``que Orbitek`` -> ``qu'Orbitek``, ``grâce à le solaire`` -> ``grâce au
    solaire``, ``de les données`` -> ``des données``."""
    if _ELISION.search(text) is not None:
        text = _ELISION.sub(r"\1'\2", text)
    if _CONTRACTION.search(text) is not None:
        text = _CONTRACTION.sub(_contract, text)
    return text


PRODUCT_NAMES: list[str] = ["Orbit", "Nova", "Aurora", "Pulse", "Atlas", "Helix"]
EVENT_NAMES: list[tuple[str, str]] = [
    ("Sommet Numérique de Paris", "SommetNum26"),
    ("Forum Énergie Demain", "ForumEnergie26"),
    ("Forum de la Finance", "ForumFinance26"),
]
