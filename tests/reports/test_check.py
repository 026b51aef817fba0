"""The pre-publication check: a table of drafts, French and English, with the expected
status of each rule; then the rules that need a workspace, on a tiny hand-built one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from veille.analytics.context import build_context
from veille.analytics.engine import DuckDBEngine
from veille.errors import UsageError
from veille.model import Account, Post, Reaction
from veille.reports.check import MAX_DRAFT_BYTES, CheckContext, check_draft, editorial_fit
from veille.reports.check_context import build_check_context
from veille.store import Store
from veille.workspace.config import parse_config

URL = "https://exemple.fr/un/chemin/assez/long/pour/depasser/vingt-trois"

# draft, network, expected statuses (rules not listed must pass or be skipped), verdict
DRAFTS: list[tuple[str, str, dict[str, str], str]] = [
    (
        "Fiers de nos équipes qui ont livré la nouvelle plateforme de paiement cette semaine.",
        "bluesky",
        {"length": "pass", "language": "pass", "insults": "pass"},
        "pass",
    ),
    (
        "Proud of our teams who shipped the new payments platform this week. Thank you all.",
        "linkedin",
        {"length": "pass", "language": "pass", "sentiment": "pass"},
        "pass",
    ),
    # length: 300 emoji with a skin tone are 300 graphemes (pass), 301 fail
    ("Bravo " + "👍🏽" * 294, "bluesky", {"length": "pass"}, "warn"),
    ("Bravo " + "👍🏽" * 295, "bluesky", {"length": "fail"}, "fail"),
    # X: 140 flags weigh 280; one more character fails
    ("🇫🇷" * 140, "x", {"length": "pass"}, "warn"),
    ("🇫🇷" * 140 + "!", "x", {"length": "fail"}, "fail"),
    # X: URLs count 23 whatever their length
    (
        f"Notre rapport annuel sur la cybersécurité est en ligne : {URL} " * 3,
        "x",
        {"length": "pass"},
        "pass",
    ),
    # Mastodon: 500 with URLs as 23
    ("a" * 476 + " " + URL, "mastodon", {"length": "pass"}, "warn"),
    ("a" * 477 + " " + URL, "mastodon", {"length": "fail"}, "fail"),
    # combining marks: 3,000 decomposed é are 3,000 graphemes on LinkedIn
    ("e\u0301" * 3000, "linkedin", {"length": "pass"}, "warn"),
    ("e\u0301" * 3001, "linkedin", {"length": "fail"}, "fail"),
    # risk terms, both languages, any case and accents
    ("Quelle bande de CONNARDS, ces concurrents.", "bluesky", {"insults": "fail"}, "fail"),
    ("What a bunch of morons, honestly.", "bluesky", {"insults": "fail"}, "fail"),
    (
        "Document CONFIDENTIEL : nos chiffres sous embargo jusqu'à lundi.",
        "linkedin",
        {"confidential": "fail"},
        "fail",
    ),
    ("Off the record: we are talking to two buyers.", "x", {"confidential": "fail"}, "fail"),
    (
        "Nous préparons une acquisition majeure dans la santé.",
        "linkedin",
        {"market": "warn"},
        "warn",
    ),
    ("Our quarterly results will beat every forecast.", "linkedin", {"market": "warn"}, "warn"),
    (
        "Notre solution est garantie à 100 %, toujours disponible.",
        "bluesky",
        {"absolute": "warn"},
        "warn",
    ),
    (
        "This is the best platform, guaranteed to never fail.",
        "bluesky",
        {"absolute": "warn"},
        "warn",
    ),
    # shouting
    ("C'EST UNE VICTOIRE HISTORIQUE POUR TOUTE L'ÉQUIPE", "bluesky", {"shouting": "fail"}, "fail"),
    ("Quelle semaine !!!! Merci à tous", "bluesky", {"shouting": "fail"}, "fail"),
    (
        "Quelle semaine !! Merci à toute l'équipe pour ce lancement réussi",
        "bluesky",
        {"shouting": "warn"},
        "warn",
    ),
    (
        "We shipped it. HUGE thanks to the AMAZING team behind the launch.",
        "bluesky",
        {"shouting": "warn"},
        "warn",
    ),
    # tone from the cue stage: hedging and denials
    (
        "Il paraît que notre concurrent va fermer son usine, selon nos informations.",
        "bluesky",
        {"tone": "warn"},
        "warn",
    ),
    (
        "Reportedly, allegedly, our competitor is closing a plant.",
        "bluesky",
        {"tone": "warn"},
        "warn",
    ),
    (
        "C'est faux, c'est de l'intox : notre usine ne ferme pas.",
        "bluesky",
        {"tone": "warn"},
        "warn",
    ),
    # sentiment from the sentiment stage
    (
        "Journée horrible, je suis furieux et déçu, c'est lamentable et honteux.",
        "bluesky",
        {"sentiment": "warn"},
        "warn",
    ),
]


@pytest.mark.parametrize(("draft", "network", "expected", "verdict"), DRAFTS)
def test_draft_table(draft: str, network: str, expected: dict[str, str], verdict: str) -> None:
    result = check_draft(draft, network)
    got = {r.rule: r.status for r in result.rules}
    for rule, status in expected.items():
        assert got[rule] == status, (rule, next(r.reason for r in result.rules if r.rule == rule))
    assert result.verdict == verdict, [r for r in result.rules if r.status in ("warn", "fail")]
    assert result.exit_code == (1 if verdict == "fail" else 0)
    for rule in result.rules:
        assert rule.reason and rule.status in ("pass", "warn", "fail", "skipped")


def test_rules_needing_a_workspace_are_skipped_without_one() -> None:
    result = check_draft("Merci @alice.example pour #cyber", "bluesky", leader="alice")
    skipped = {r.rule: r.reason for r in result.rules if r.status == "skipped"}
    assert set(skipped) == {"mentions", "hashtags", "fit", "best_hour"}
    assert all(reason == "skipped: no workspace" for reason in skipped.values())
    assert result.verdict == "pass"


def test_json_shape() -> None:
    out = check_draft("Bonjour à tous", "mastodon").as_dict()
    assert set(out) == {"verdict", "rules"}
    assert all(set(rule) == {"rule", "status", "reason"} for rule in out["rules"])


def test_reasons_quote_the_words_as_written() -> None:
    result = check_draft("Strictement CONFIDENTIEL, ne pas diffuser.", "bluesky")
    reason = next(r.reason for r in result.rules if r.rule == "confidential")
    assert "'Strictement CONFIDENTIEL'" in reason and "'ne pas diffuser'" in reason


def test_extra_risk_terms_from_the_config() -> None:
    draft = "Le projet Hermès avance bien."
    assert {r.rule: r.status for r in check_draft(draft, "bluesky").rules}["market"] == "pass"
    context = CheckContext(risk_terms={"market": ["projet hermes"]})
    rules = {r.rule: r for r in check_draft(draft, "bluesky", context=context).rules}
    assert rules["market"].status == "warn" and "projet Hermès" in rules["market"].reason


@pytest.mark.parametrize(
    ("draft", "network"),
    [
        ("", "bluesky"),
        ("   \n", "x"),
        ("a" * (MAX_DRAFT_BYTES + 1), "linkedin"),
        ("ok", "facebook"),
    ],
)
def test_bad_input_is_a_usage_error(draft: str, network: str) -> None:
    with pytest.raises(UsageError) as info:
        check_draft(draft, network)
    assert info.value.exit_code == 2 and "\n" not in info.value.message


def test_editorial_fit_by_hand() -> None:
    past = ["cyber sécurité cloud", "cyber sécurité données", "cloud données"]
    score, own = editorial_fit("cyber sécurité", past, top=1)
    # the draft's words all appear in the first two posts: its nearest one is close
    assert 0.5 < score <= 1.0
    assert len(own) == 3 and all(0.0 <= x <= 1.0 for x in own)
    far, _ = editorial_fit("recette de la tarte aux pommes", past, top=1)
    assert far == 0.0


# --- with a workspace ---------------------------------------------------------------------

T0 = datetime(2026, 9, 1, 7, tzinfo=UTC)  # a Tuesday, 09:00 in Paris

REGISTRY = """
[workspace]
timezone = "Europe/Paris"

[[organisations]]
id = "acme"
name = "Acme"
aliases = ["Acme SA"]

[[leaders]]
id = "alice-martin"
name = "Alice Martin"
organisation = "acme"
accounts = { bluesky = ["alice.example"] }

[check.risk_terms]
confidential = ["projet licorne"]
"""

TOPICS = [
    "La cybersécurité des hôpitaux progresse grâce au chiffrement des données",
    "Nos équipes cybersécurité ont bloqué une attaque par rançongiciel",
    "Le chiffrement des données de santé est une priorité pour la cybersécurité",
    "Rançongiciel : comment protéger les données des hôpitaux",
    "Cybersécurité : nous formons les équipes des hôpitaux au chiffrement",
    "Une attaque par rançongiciel se prépare : protégez vos données",
    "Les données chiffrées protègent les patients des hôpitaux",
    "La cybersécurité commence par la formation des équipes",
    "Protéger les données de santé contre les rançongiciels",
    "Chiffrement et cybersécurité : notre feuille de route pour les hôpitaux",
    "Nos équipes cybersécurité renforcent la protection des données",
    "Rançongiciel dans un hôpital : les leçons pour la cybersécurité",
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.duckdb")
    alice = "did:plc:alice"
    records: list[object] = [
        Account(network="bluesky", account_id=alice, handle="alice.example"),
        Account(network="bluesky", account_id="did:plc:bob", handle="bob.example"),
        Account(
            network="mastodon", account_id="carol@social.example", handle="carol@social.example"
        ),
    ]
    for i, text in enumerate(TOPICS):
        uri = f"at://{alice}/app.bsky.feed.post/{i}"
        records.append(
            Post(
                uri=uri, network="bluesky", post_id=str(i), author_id=alice,
                created_at=T0 - timedelta(days=7 * i), collected_at=T0, text=text, source="t",
            )
        )  # fmt: skip
        # the audience likes on Tuesdays at 09:xx Paris time (07:xx UTC)
        for k in range(4):
            records.append(
                Reaction(
                    uri=f"at://did:plc:fan{k}/app.bsky.feed.like/{i}",
                    network="bluesky",
                    author_id=f"did:plc:fan{k}",
                    subject_uri=uri,
                    kind="like",
                    created_at=T0 - timedelta(days=7 * i) + timedelta(minutes=10 * k),
                )
            )
    s.write(records)  # type: ignore[arg-type]
    s.con.execute(
        "INSERT INTO signals (id, kind, term, bucket_start, score, detail, detected_at) "
        "VALUES ('s1', 'burst', '#Cyber', ?, 5.0, NULL, ?),"
        " ('s2', 'bad_buzz', 'boycott', ?, 9.0, NULL, ?),"
        " ('s3', 'burst', 'ancien', ?, 9.0, NULL, ?)",
        [T0, T0, T0, T0, T0 - timedelta(days=30), T0 - timedelta(days=30)],
    )
    return s


def _context(store: Store, draft: str, leader: str | None, now: datetime) -> CheckContext:
    config = parse_config(REGISTRY, Path("veille.toml"))
    ctx = build_context(DuckDBEngine(store.con), config, now=T0 + timedelta(hours=1))
    return build_check_context(ctx, draft, leader, now)


def _statuses(store: Store, draft: str, leader: str | None = "alice-martin",
              now: datetime = T0) -> dict[str, str]:  # fmt: skip
    result = check_draft(draft, "bluesky", leader, _context(store, draft, leader, now))
    return {r.rule: r.status for r in result.rules}


def test_mentions_resolve_in_the_store(store: Store) -> None:
    assert _statuses(store, "Merci @bob.example et @carol@social.example")["mentions"] == "pass"
    assert _statuses(store, "Merci @CAROL et @bob.example")["mentions"] == "pass"
    assert _statuses(store, "Merci @bobb.example")["mentions"] == "warn"


def test_hashtags_of_current_signals(store: Store) -> None:
    assert _statuses(store, "On en parle #cyber")["hashtags"] == "warn"
    assert _statuses(store, "On en parle #boycott")["hashtags"] == "fail"
    assert _statuses(store, "On en parle #ancien #autre")["hashtags"] == "pass"  # old signal


def test_extra_terms_and_organisations_from_the_workspace(store: Store) -> None:
    assert _statuses(store, "Le projet Licorne avance")["confidential"] == "fail"
    config = parse_config(REGISTRY, Path("veille.toml"))
    ctx = build_context(DuckDBEngine(store.con), config)
    draft = "Acme prépare une acquisition"
    result = check_draft(draft, "bluesky", None, build_check_context(ctx, draft, None, T0))
    assert "Acme" in next(r.reason for r in result.rules if r.rule == "market")


def test_editorial_fit_with_the_leaders_posts(store: Store) -> None:
    on_line = "La cybersécurité des hôpitaux : protéger les données par le chiffrement"
    assert _statuses(store, on_line)["fit"] == "pass"
    off_line = "Ma recette de tarte aux pommes du dimanche, avec beaucoup de beurre"
    assert _statuses(store, off_line)["fit"] == "warn"
    assert _statuses(store, off_line, leader=None)["fit"] == "skipped"


def test_best_hour_from_the_audience(store: Store) -> None:
    draft = "La cybersécurité des hôpitaux progresse"
    config = parse_config(REGISTRY, Path("veille.toml"))
    ctx = build_context(DuckDBEngine(store.con), config, now=T0 + timedelta(hours=1))
    context = build_check_context(ctx, draft, "alice-martin", T0 + timedelta(minutes=50))
    assert context.leader is not None and sum(context.leader.audience_by_hour) == 48
    assert context.leader.audience_by_hour[24 + 9] == 48  # Tuesday 09:00 Paris
    rule = next(r for r in check_draft(draft, "bluesky", "alice-martin", context).rules
                if r.rule == "best_hour")  # fmt: skip
    assert rule.status == "pass" and "Tuesday 09:00" in rule.reason
    sunday_night = T0 + timedelta(days=5, hours=18)
    assert _statuses(store, draft, now=sunday_night)["best_hour"] == "warn"


def test_unknown_leader_suggests_the_closest(store: Store) -> None:
    with pytest.raises(UsageError) as info:
        _context(store, "x", "alice-martn", T0)
    assert info.value.hint is not None and "alice-martin" in info.value.hint


def test_run_check_in_one_call(store: Store) -> None:
    from veille.reports.check_context import run_check

    config = parse_config(REGISTRY, Path("veille.toml"))
    ctx = build_context(DuckDBEngine(store.con), config, now=T0 + timedelta(hours=1))
    draft = "Merci @bobb.example #boycott"
    result = run_check(ctx, draft, "Bluesky", "alice-martin", T0)
    rules = {r.rule: r.status for r in result.rules}
    assert rules["mentions"] == "warn" and rules["hashtags"] == "fail" and result.verdict == "fail"
    assert run_check(None, draft, "x").as_dict()["rules"][-1]["status"] == "skipped"
    with pytest.raises(UsageError):
        run_check(ctx, draft, "myspace")
