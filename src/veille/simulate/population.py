"""Who lives in the simulated ecosystem: organisations, leaders, media, and the people around
them (employees, customers, journalists, peers, investors, politicians, trolls, bots), each
with handles on Bluesky and/or Mastodon and a bio that carries the cues of their role.

Everything is derived from one ``random.Random``; the same seed and size give the same
people. Handles use reserved ``.example`` domains so that no simulated account can be
mistaken for a real one."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field

from veille.simulate import texts
from veille.simulate.ids import did_plc

# Person kinds (what the simulator makes them do) and the stakeholder class a bio-reading
# classifier should find (trolls read as ordinary public accounts).
KINDS: tuple[str, ...] = (
    "leader",
    "organisation",
    "media",
    "journalist",
    "employee",
    "public",
    "peer",
    "investor",
    "politician",
    "troll",
    "bot",
)
STAKEHOLDER: dict[str, str] = {
    "leader": "leader",
    "organisation": "organisation",
    "media": "media",
    "journalist": "journalist",
    "employee": "employee",
    "public": "public",
    "peer": "peer",
    "investor": "investor",
    "politician": "politician",
    "troll": "public",
    "bot": "bot",
}
K = {name: i for i, name in enumerate(KINDS)}
LEADER, ORG, MEDIA, JOURNALIST, EMPLOYEE, PUBLIC, PEER, INVESTOR, POLITICIAN, TROLL, BOT = range(
    len(KINDS)
)

BSKY = 1
MASTO = 2

#: Mastodon instances people live on, by language. Statuses are observed from
#: ``VIEW_INSTANCE``, which hosts none of them, so every ``acct`` is ``user@instance``.
INSTANCES: dict[str, tuple[str, ...]] = {
    "fr": ("piaille.example", "mamot.example", "framapiaf.example"),
    "en": ("social.example", "toot.example", "hachyderm.example"),
}
ORG_INSTANCE = "social.example"
VIEW_INSTANCE = "mastodon.example"
BSKY_SUFFIX = "bsky.example"

COUNTRY_SHARE: dict[str, float] = {
    "FR": 0.40,
    "BE": 0.08,
    "CH": 0.06,
    "CA": 0.10,
    "US": 0.18,
    "GB": 0.18,
}
FRENCH_SHARE: dict[str, float] = {"FR": 1.0, "BE": 0.8, "CH": 0.75, "CA": 0.4, "US": 0.0, "GB": 0.0}


def region_of(country: str) -> int:
    """0: Europe (activity on Paris time), 1: North America (New York time)."""
    return 1 if country in ("US", "CA") else 0


@dataclass(frozen=True, slots=True)
class OrgSpec:
    id: str
    name: str
    kind: str  # own | competitor | media
    sector: str
    country: str
    domain: str
    tag: str  # short @-name used in bios
    ticker: str
    aliases: tuple[str, ...] = ()
    tagline_fr: str = ""
    tagline_en: str = ""

    @property
    def lang(self) -> str:
        return "fr" if FRENCH_SHARE[self.country] >= 0.5 else "en"


ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        "nuvio",
        "Nuvio",
        "own",
        "tech",
        "FR",
        "nuvio.example",
        "Nuvio",
        "NUV",
        ("Nuvio SA",),
        "le cloud souverain pour les entreprises",
        "sovereign cloud",
    ),
    OrgSpec(
        "datalys",
        "Datalys",
        "competitor",
        "tech",
        "FR",
        "datalys.example",
        "Datalys",
        "DTL",
        (),
        "la donnée au service des métiers",
        "data for business",
    ),
    OrgSpec(
        "orbitek",
        "Orbitek",
        "competitor",
        "tech",
        "US",
        "orbitek.example",
        "Orbitek",
        "ORBK",
        ("Orbitek Inc",),
        "l'IA pour tous",
        "AI for everyone",
    ),
    OrgSpec(
        "kestrel",
        "Kestrel Systems",
        "competitor",
        "tech",
        "GB",
        "kestrel.example",
        "KestrelSys",
        "KSTL",
        ("Kestrel",),
        "cybersécurité",
        "cybersecurity",
    ),
    OrgSpec(
        "armorique",
        "Banque Armorique",
        "own",
        "finance",
        "FR",
        "banque-armorique.example",
        "BanqueArmorique",
        "BQA",
        ("la Banque Armorique",),
        "la banque qui vous ressemble",
        "your bank",
    ),
    OrgSpec(
        "lemanique",
        "Crédit Lémanique",
        "competitor",
        "finance",
        "CH",
        "credit-lemanique.example",
        "CreditLemanique",
        "CRLM",
        (),
        "banque privée",
        "private banking",
    ),
    OrgSpec(
        "northbridge",
        "Northbridge Capital",
        "competitor",
        "finance",
        "GB",
        "northbridge.example",
        "NorthbridgeCap",
        "NBC",
        ("Northbridge",),
        "banque d'investissement",
        "investment banking",
    ),
    OrgSpec(
        "mapletrust",
        "Maple Trust",
        "competitor",
        "finance",
        "CA",
        "mapletrust.example",
        "MapleTrust",
        "MPT",
        (),
        "banque de détail",
        "retail banking",
    ),
    OrgSpec(
        "voltea",
        "Voltéa",
        "own",
        "energie",
        "FR",
        "voltea.example",
        "Voltea",
        "VLT",
        ("Voltea",),
        "l'énergie bas carbone",
        "low-carbon energy",
    ),
    OrgSpec(
        "hydronord",
        "Hydronord",
        "competitor",
        "energie",
        "CA",
        "hydronord.example",
        "Hydronord",
        "HYN",
        (),
        "l'hydroélectricité du Nord",
        "northern hydropower",
    ),
    OrgSpec(
        "brabant",
        "Brabant Énergie",
        "competitor",
        "energie",
        "BE",
        "brabant-energie.example",
        "BrabantEnergie",
        "BRE",
        ("Brabant Energie",),
        "fournisseur d'énergie",
        "energy supplier",
    ),
    OrgSpec(
        "solaris",
        "Solaris Grid",
        "competitor",
        "energie",
        "US",
        "solarisgrid.example",
        "SolarisGrid",
        "SOLG",
        ("Solaris",),
        "réseaux solaires",
        "solar grids",
    ),
    OrgSpec(
        "verlaine",
        "Maison Verlaine",
        "own",
        "luxe",
        "FR",
        "maison-verlaine.example",
        "MaisonVerlaine",
        "MVL",
        ("Verlaine",),
        "maroquinerie depuis 1898",
        "leather goods since 1898",
    ),
    OrgSpec(
        "valmont",
        "Horlogerie Valmont",
        "competitor",
        "luxe",
        "CH",
        "valmont.example",
        "ValmontWatches",
        "VALM",
        ("Valmont",),
        "haute horlogerie",
        "fine watchmaking",
    ),
    OrgSpec(
        "bellwood",
        "Bellwood & Co",
        "competitor",
        "luxe",
        "GB",
        "bellwood.example",
        "BellwoodCo",
        "BWD",
        ("Bellwood",),
        "grand magasin",
        "department store",
    ),
    OrgSpec(
        "rivage",
        "Galeries Rivage",
        "competitor",
        "luxe",
        "BE",
        "galeries-rivage.example",
        "GaleriesRivage",
        "GRV",
        ("Rivage",),
        "commerce de détail",
        "retail",
    ),
    OrgSpec(
        "medivia",
        "Medivia",
        "own",
        "sante",
        "FR",
        "medivia.example",
        "Medivia",
        "MDV",
        (),
        "la santé connectée",
        "connected health",
    ),
    OrgSpec(
        "biolane",
        "Biolane",
        "competitor",
        "sante",
        "BE",
        "biolane.example",
        "Biolane",
        "BIOL",
        (),
        "biotechnologies",
        "biotech",
    ),
    OrgSpec(
        "curagen",
        "CuraGen",
        "competitor",
        "sante",
        "US",
        "curagen.example",
        "CuraGenBio",
        "CURG",
        ("CuraGen Therapeutics",),
        "thérapies géniques",
        "gene therapies",
    ),
    OrgSpec(
        "laurentide",
        "Santé Laurentide",
        "competitor",
        "sante",
        "CA",
        "sante-laurentide.example",
        "SanteLaurentide",
        "SLR",
        (),
        "réseau de cliniques",
        "clinic network",
    ),
    OrgSpec(
        "courrier-eco",
        "Le Courrier Éco",
        "media",
        "",
        "FR",
        "lecourriereco.example",
        "LeCourrierEco",
        "",
        ("Courrier Éco",),
        "l'actualité économique, chaque jour",
        "business news",
    ),
    OrgSpec(
        "gazette-affaires",
        "La Gazette des Affaires",
        "media",
        "",
        "FR",
        "gazette-affaires.example",
        "GazetteAffaires",
        "",
        (),
        "le quotidien des décideurs",
        "the decision makers' daily",
    ),
    OrgSpec(
        "echo-numerique",
        "L'Écho du Numérique",
        "media",
        "",
        "FR",
        "echo-numerique.example",
        "EchoNumerique",
        "",
        (),
        "tech et société",
        "tech and society",
    ),
    OrgSpec(
        "tribune-leman",
        "La Tribune du Léman",
        "media",
        "",
        "CH",
        "tribune-leman.example",
        "TribuneLeman",
        "",
        (),
        "l'actualité romande",
        "news from French-speaking Switzerland",
    ),
    OrgSpec(
        "ledger-daily",
        "The Ledger Daily",
        "media",
        "",
        "GB",
        "ledgerdaily.example",
        "TheLedgerDaily",
        "",
        ("The Ledger",),
        "l'économie britannique",
        "business and markets",
    ),
    OrgSpec(
        "market-wire",
        "Market Wire",
        "media",
        "",
        "US",
        "marketwire.example",
        "MarketWire",
        "",
        (),
        "marchés",
        "markets, fast",
    ),
    OrgSpec(
        "northern-post",
        "The Northern Post",
        "media",
        "",
        "CA",
        "northernpost.example",
        "NorthernPost",
        "",
        (),
        "actualité canadienne",
        "Canadian business news",
    ),
)

ORG_INDEX: dict[str, int] = {org.id: i for i, org in enumerate(ORGS)}

LEADER_ROLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    # (French, masculine), (French, feminine), English; the first is the chief executive.
    "tech": (
        ("PDG", "PDG", "CEO"),
        ("Directeur des systèmes d'information", "Directrice des systèmes d'information", "CIO"),
    ),
    "finance": (("Directeur général", "Directrice générale", "CEO"), ("DSI", "DSI", "CIO")),
    "energie": (
        ("Président-directeur général", "Présidente-directrice générale", "CEO"),
        ("Directeur de la stratégie", "Directrice de la stratégie", "Chief Strategy Officer"),
    ),
    "luxe": (
        ("Directeur général", "Directrice générale", "CEO"),
        ("Directeur artistique", "Directrice artistique", "Creative Director"),
    ),
    "sante": (
        ("PDG", "PDG", "CEO"),
        ("Directeur médical", "Directrice médicale", "Chief Medical Officer"),
    ),
}


class Person:
    """One simulated human or organisation, with its accounts. Static after creation;
    counters that change live in the engine's arrays, indexed by ``idx``."""

    __slots__ = (
        "bio",
        "country",
        "created_us",
        "did",
        "display_name",
        "employer",
        "handle",
        "idx",
        "kind",
        "lang",
        "leader_id",
        "m_id",
        "m_inst",
        "m_user",
        "name",
        "networks",
        "org_id",
        "pid",
        "region",
        "sector",
        "slug",
        "weight",
    )

    def __init__(self, idx: int, kind: int, lang: str, country: str, name: str) -> None:
        self.idx = idx
        self.pid = f"p{idx:06d}"
        self.kind = kind
        self.lang = lang
        self.country = country
        self.region = region_of(country)
        self.name = name
        self.display_name = name
        self.slug = ""
        self.bio = ""
        self.employer = -1  # index into ORGS
        self.org_id = ""  # for organisation and media accounts
        self.leader_id = ""
        self.sector = ""
        self.networks = 0
        self.did = ""
        self.handle = ""
        self.m_id = ""
        self.m_user = ""
        self.m_inst = ""
        self.weight = 0.0
        self.created_us = 0

    @property
    def acct(self) -> str:
        return f"{self.m_user}@{self.m_inst}" if self.m_user else ""

    @property
    def m_url(self) -> str:
        return f"https://{self.m_inst}/@{self.m_user}"

    @property
    def m_uri(self) -> str:
        return f"https://{self.m_inst}/users/{self.m_user}"


@dataclass(slots=True)
class LeaderSpec:
    id: str
    person: int
    org: int
    role: str
    style: str  # "converser" | "broadcaster"
    reply_probability: float
    posts_per_day: float
    cohorts: list[str]
    blog: bool
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Population:
    people: list[Person]
    leaders: list[LeaderSpec]
    org_person: list[int]  # ORGS index -> person index of its official account
    by_kind: dict[int, list[int]]


def slugify(text: str) -> str:
    """``"Élodie O'Brien"`` -> ``"elodie-obrien"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _pick_country(rng: random.Random) -> str:
    return rng.choices(list(COUNTRY_SHARE), weights=list(COUNTRY_SHARE.values()))[0]


def _lang_for(rng: random.Random, country: str) -> str:
    return "fr" if rng.random() < FRENCH_SHARE[country] else "en"


class _Namer:
    """Unique handles and Mastodon usernames."""

    def __init__(self) -> None:
        self.bsky: set[str] = set()
        self.masto: set[str] = set()

    def bsky_handle(self, base: str) -> str:
        base = base[:40] or "user"
        handle = f"{base}.{BSKY_SUFFIX}"
        n = 1
        while handle in self.bsky:
            n += 1
            handle = f"{base}{n}.{BSKY_SUFFIX}"
        self.bsky.add(handle)
        return handle

    def masto_user(self, base: str, instance: str) -> str:
        base = base.replace("-", "_")[:26] or "user"
        user = base
        n = 1
        while f"{user}@{instance}" in self.masto:
            n += 1
            user = f"{base}{n}"
        self.masto.add(f"{user}@{instance}")
        return user


def build_population(
    rng: random.Random, *, seed: int, total: int, n_trolls: int, n_bots: int, start_us: int
) -> Population:
    """Create ``total`` people (at least the registry) deterministically from ``rng``."""
    people: list[Person] = []
    namer = _Namer()

    def add(kind: int, lang: str, country: str, name: str) -> Person:
        person = Person(len(people), kind, lang, country, name)
        person.did = did_plc(seed, person.idx)
        person.created_us = start_us - rng.randint(60, 2 * 365) * 86_400 * 1_000_000
        people.append(person)
        return person

    def human_name(lang: str) -> str:
        return f"{rng.choice(texts.FIRST[lang])} {rng.choice(texts.LAST[lang])}"

    def give_accounts(person: Person, p_bsky: float, p_masto: float, base: str) -> None:
        nets = 0
        if rng.random() < p_bsky:
            nets |= BSKY
        if rng.random() < p_masto:
            nets |= MASTO
        if nets == 0:
            nets = BSKY if rng.random() < 0.7 else MASTO
        person.networks = nets
        person.slug = base
        if nets & BSKY:
            person.handle = namer.bsky_handle(base)
        if nets & MASTO:
            person.m_inst = rng.choice(INSTANCES[person.lang])
            person.m_user = namer.masto_user(base, person.m_inst)

    # Organisations and media: official accounts with their own domain as handle.
    org_person: list[int] = []
    for org in ORGS:
        kind = MEDIA if org.kind == "media" else ORG
        person = add(kind, org.lang, org.country, org.name)
        person.org_id = org.id
        person.sector = org.sector
        person.networks = BSKY | (MASTO if rng.random() < 0.75 else 0)
        person.handle = org.domain
        namer.bsky.add(org.domain)
        person.slug = slugify(org.id)
        if person.networks & MASTO:
            person.m_inst = ORG_INSTANCE
            person.m_user = namer.masto_user(org.tag.lower(), ORG_INSTANCE)
        tagline = org.tagline_fr if org.lang == "fr" else org.tagline_en
        if kind == MEDIA:
            person.bio = (
                f"{org.name} : {tagline}." if org.lang == "fr" else f"{org.name}: {tagline}."
            )
        else:
            person.bio = (
                f"Compte officiel de {org.name}, {tagline}."
                if org.lang == "fr"
                else f"Official account of {org.name}, {tagline}."
            )
        person.created_us = start_us - rng.randint(400, 1100) * 86_400 * 1_000_000
        org_person.append(person.idx)

    # Leaders of the registry: one chief executive per company, a second for "own" ones.
    leaders: list[LeaderSpec] = []
    used_ids: set[str] = set()
    for oi, org in enumerate(ORGS):
        if org.kind == "media":
            continue
        n_lead = 2 if org.kind == "own" else 1
        for r in range(n_lead):
            lang = org.lang if rng.random() < 0.85 else ("en" if org.lang == "fr" else "fr")
            name = human_name(org.lang)
            lid = slugify(name)
            while lid in used_ids:
                name = human_name(org.lang)
                lid = slugify(name)
            used_ids.add(lid)
            person = add(LEADER, lang, org.country, name)
            person.employer = oi
            person.sector = org.sector
            person.leader_id = lid
            give_accounts(person, 1.0, 0.6, lid)
            person.networks |= BSKY
            if not person.handle:
                person.handle = namer.bsky_handle(lid)
            female = name.split()[0] in texts.FEMALE
            role_m, role_f, role_en = LEADER_ROLES[org.sector][r]
            role_fr = role_f if female else role_m
            topic = rng.choice(texts.TOPICS[org.sector][lang])
            passion = "Passionnée" if female else "Passionné"
            person.bio = (
                texts.elide(f"{role_fr} de {org.name}. {passion} par {topic}.")
                if lang == "fr"
                else f"{role_en} at {org.name}. Passionate about {topic}."
            )
            person.created_us = start_us - rng.randint(300, 900) * 86_400 * 1_000_000
            cohorts = [
                org.sector,
                "dirigeants-francophones" if org.lang == "fr" else "global-leaders",
            ]
            if r == 0:
                cohorts.append("ceo")
            leaders.append(
                LeaderSpec(
                    id=lid,
                    person=person.idx,
                    org=oi,
                    role=role_fr if org.lang == "fr" else role_en,
                    style="",
                    reply_probability=0.0,
                    posts_per_day=rng.uniform(0.6, 2.2),
                    cohorts=cohorts,
                    blog=rng.random() < 0.35,
                    aliases=[f"{name.split()[0][0]}. {name.split()[-1]}"],
                )
            )
    # Conversers and broadcasters, at least three of each.
    order = list(range(len(leaders)))
    rng.shuffle(order)
    half = len(order) // 2
    for rank, li in enumerate(order):
        spec = leaders[li]
        if rank < half:
            spec.style = "converser"
            spec.reply_probability = round(rng.uniform(0.65, 0.9), 2)
        else:
            spec.style = "broadcaster"
            spec.reply_probability = round(rng.uniform(0.0, 0.04), 2)
            spec.posts_per_day *= 1.3

    # Everyone else.
    fixed = len(people)
    rest = max(0, total - fixed - n_trolls - n_bots)
    shares = {
        PUBLIC: 0.60,
        EMPLOYEE: 0.16,
        JOURNALIST: 0.07,
        PEER: 0.06,
        INVESTOR: 0.06,
        POLITICIAN: 0.05,
    }
    counts = {kind: int(rest * share) for kind, share in shares.items()}
    counts[PUBLIC] += rest - sum(counts.values())
    counts[TROLL] = n_trolls
    counts[BOT] = n_bots
    media_orgs = [i for i, org in enumerate(ORGS) if org.kind == "media"]
    company_orgs = [i for i, org in enumerate(ORGS) if org.kind != "media"]
    company_weights = [3.0 if ORGS[i].kind == "own" else 1.0 for i in company_orgs]
    for kind in (JOURNALIST, EMPLOYEE, PEER, INVESTOR, POLITICIAN, TROLL, BOT, PUBLIC):
        for _ in range(counts[kind]):
            employer = -1
            if kind == EMPLOYEE:
                employer = rng.choices(company_orgs, weights=company_weights)[0]
                country = ORGS[employer].country if rng.random() < 0.8 else _pick_country(rng)
            elif kind == JOURNALIST:
                employer = rng.choice(media_orgs)
                country = ORGS[employer].country
            else:
                country = _pick_country(rng)
            lang = _lang_for(rng, country)
            if kind == JOURNALIST:
                lang = ORGS[employer].lang
            name = human_name(lang)
            person = add(kind, lang, country, name)
            person.employer = employer
            person.sector = (
                ORGS[employer].sector
                if employer >= 0 and ORGS[employer].sector
                else rng.choice(texts.SECTORS)
            )
            base = slugify(name)
            if kind in (PUBLIC, TROLL) and rng.random() < 0.4:
                base = f"{base.split('-')[0]}{rng.randint(2, 99)}"
                person.display_name = (
                    name.split()[0]
                    if rng.random() < 0.5
                    else f"{name.split()[0]} {name.split()[-1][0]}."
                )
            if kind == BOT:
                base = f"{rng.choice(['bourse', 'jobs', 'veille', 'news', 'quotes'])}-bot"
                person.display_name = rng.choice(
                    ["Bourse Express", "JobAlert", "Veille Auto", "News Digest", "Market Quotes"]
                )
            p_masto = 0.45 if lang == "fr" else 0.35
            give_accounts(person, 0.8 if kind != BOT else 0.95, p_masto, base)
            org_name = ORGS[employer].name if employer >= 0 else ""
            org_tag = ORGS[employer].tag if employer >= 0 else ""
            template = rng.choice(texts.BIO[KINDS[kind]][lang])
            city = rng.choice(texts.CITIES[country])
            region_text = rng.choice(texts.REGIONS[country])
            if kind == POLITICIAN and lang == "fr" and country in ("CA", "GB", "US"):
                region_text = ""
            person.bio = (
                template.format(
                    org=org_name,
                    tag=org_tag,
                    city=city,
                    vc=rng.choice(texts.VC_FIRMS),
                    region=region_text,
                    company=rng.choice(texts.PEER_COMPANIES),
                )
                .replace("  ", " ")
                .strip()
            )
    by_kind: dict[int, list[int]] = {k: [] for k in range(len(KINDS))}
    for person in people:
        by_kind[person.kind].append(person.idx)
    return Population(people=people, leaders=leaders, org_person=org_person, by_kind=by_kind)
