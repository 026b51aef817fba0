"""What ground_truth.json says was planted is really in the data, counted independently from
the files (not from the simulator's own tallies)."""

from __future__ import annotations

import calendar
import re
import tomllib
from collections import Counter, defaultdict

import feedparser
import pytest
from sim_helpers import Run, shared_run, ts

from veille.simulate.population import KINDS

HOUR = 3_600_000_000
NEGATIVE = re.compile(
    r"scandal|honte|inadmissible|lamentable|arnaque|furieux|écœuré|plus jamais|résilie|"
    r"outrageous|never again|disgrace|shameful|furious|awful|terrible|décevant|nul\b|"
    r"catastroph|unacceptable|pathetic|inquiétant|worrying|disappointing",
    re.I,
)


@pytest.fixture
def sim() -> Run:
    return shared_run()[1]


def _in(t: int, start: str, end: str) -> bool:
    return ts(start) <= t <= ts(end)


def test_every_planted_episode_happened(sim: Run) -> None:
    truth = sim.truth
    assert {b["id"] for b in truth["bursts"]} == {"burst-conference", "burst-launch"}
    assert len(truth["rumours"]) == len(truth["bad_buzz"]) == len(truth["troll_campaigns"]) == 1
    for group in ("bursts", "rumours", "bad_buzz", "troll_campaigns"):
        for event in truth[group]:
            assert event["n_posts"] >= 10, event["id"]
            assert len(event["post_uris"]) == event["n_posts"]


@pytest.mark.parametrize("burst_id", ["burst-conference", "burst-launch"])
def test_burst_is_in_the_data(sim: Run, burst_id: str) -> None:
    burst = next(b for b in sim.truth["bursts"] if b["id"] == burst_id)
    term = burst["term"].lower()
    inside, outside, authors = 0, 0, set()
    for _net, created, author, text in sim.texts():
        if term in text.lower():
            if _in(created, burst["start"], burst["end"]):
                inside += 1
                authors.add(author)
            else:
                outside += 1
    assert inside == burst["n_posts"]
    assert outside == 0
    # Distinct accounts (a person on two networks counts twice here, once in the truth).
    assert len(authors) >= burst["n_authors"]
    # A burst: the window is short and the rate in it is far above the day's average.
    hours = (ts(burst["end"]) - ts(burst["start"])) / HOUR
    assert hours <= 12 and inside / hours >= 3


def test_rumour_spreads_first_then_reaches_the_news(sim: Run) -> None:
    rumour = sim.truth["rumours"][0]
    assert rumour["lang"] == "fr"
    texts: dict[str, tuple[str, str]] = {}
    for post in sim.posts.values():
        texts[post.uri] = (post.text, post.lang)
    for status in sim.statuses:
        texts[status["uri"]] = (status["content"], status["language"])
    found = [texts[uri] for uri in rumour["post_uris"] if uri in texts]
    assert len(found) == rumour["n_posts"]
    cues = [c.lower() for c in rumour["cues"]]
    with_cue = [t for t, _ in found if any(c in t.lower().replace("&#39;", "'") for c in cues)]
    assert len(with_cue) / len(found) >= 0.7
    french = sum(1 for _, lang in found if lang == "fr")
    assert french / len(found) >= 0.7
    # Few seed accounts start it.
    assert len(rumour["seed_authors"]) == 3
    # The news item exists in the named feed, after the first post, and the lead time is
    # the difference.
    news = rumour["news_item"]
    feed = next(f for f in sim.truth["feeds"] if f["id"] == news["feed"])
    parsed = feedparser.parse((sim.root / feed["file"]).read_bytes())
    entry = next(e for e in parsed.entries if e.id == news["guid"])
    assert "rachat" in entry.title.lower()
    first = ts(rumour["first_post"])
    published = ts(news["published"])
    assert published > first
    assert rumour["lead_time_hours"] == pytest.approx((published - first) / HOUR, abs=0.01)
    assert rumour["lead_time_hours"] >= 6
    # No news item spoke of a takeover before that one.
    for f in sim.truth["feeds"]:
        for e in feedparser.parse((sim.root / f["file"]).read_bytes()).entries:
            if "rachat" in e.title.lower() and e.id != news["guid"]:
                assert calendar.timegm(e.published_parsed) * 1_000_000 > published
    # And the organisation denies it later.
    assert ts(rumour["denial"]["published"]) > published


def test_bad_buzz_is_a_negative_spike(sim: Run) -> None:
    buzz = sim.truth["bad_buzz"][0]
    registry = tomllib.loads((sim.root / "registry.toml").read_text())
    org = next(o["name"] for o in registry["organisations"] if o["id"] == buzz["organisation"])
    tag = buzz["term"].lower()
    tagged_inside = tagged_outside = 0
    neg_in = tot_in = neg_out = tot_out = 0
    for _net, created, _author, text in sim.texts():
        low = text.lower()
        inside = _in(created, buzz["start"], buzz["end"])
        if tag in low:
            tagged_inside += inside
            tagged_outside += not inside
        if org.lower() in low:
            negative = bool(NEGATIVE.search(text))
            if inside:
                tot_in += 1
                neg_in += negative
            else:
                tot_out += 1
                neg_out += negative
    assert tagged_outside == 0 and tagged_inside >= 0.4 * buzz["n_posts"]
    assert buzz["negative_share"] >= 0.8
    assert tot_in >= 20
    share_in = neg_in / tot_in
    share_out = neg_out / max(1, tot_out)
    assert share_in >= 0.6 and share_in > 2 * share_out, (share_in, share_out)
    # Many distinct authors, not a handful.
    assert buzz["n_authors"] >= 0.5 * buzz["n_posts"]


def _leader_ids(sim: Run) -> dict[str, tuple[str, str | None]]:
    out = {}
    for acc in sim.truth["accounts"]:
        if acc["kind"] == "leader":
            out[acc["registry_id"]] = (
                acc["bluesky"]["did"],
                acc["mastodon"]["id"] if acc["mastodon"] else None,
            )
    return out


def test_troll_campaign_is_a_loud_minority(sim: Run) -> None:
    campaign = sim.truth["troll_campaigns"][0]
    did, mid = _leader_ids(sim)[campaign["target_leader"]]
    person_of = sim.person_of()
    trolls = set(campaign["accounts"])
    by_author: Counter[str] = Counter()
    uri_author = {p.uri: p.did for p in sim.posts.values()}
    status_author = {s["id"]: s["account"]["id"] for s in sim.statuses}
    for post in sim.posts.values():
        addressed = did in post.mentions or (post.parent and uri_author.get(post.parent) == did)
        if addressed and _in(post.created, campaign["start"], campaign["end"]):
            person = person_of[post.did]
            by_author[person] += 1
    for status in sim.statuses:
        if status["reblog"] is not None or mid is None:
            continue
        addressed = (
            mid in {m["id"] for m in status["mentions"]}
            or status_author.get(status["in_reply_to_id"] or "") == mid
        )
        if addressed and _in(ts(status["created_at"]), campaign["start"], campaign["end"]):
            by_author[person_of[status["account"]["id"]]] += 1
    troll_posts = sum(n for a, n in by_author.items() if a in trolls)
    total = sum(by_author.values())
    assert troll_posts >= 10 * len(trolls)
    # Top 1% of all simulated accounts (at least one) write most of what targets the leader.
    top = max(1, len(sim.truth["accounts"]) // 100)
    top_share = sum(n for _, n in by_author.most_common(top)) / total
    assert troll_posts / total >= 0.5 and top_share >= 0.3
    assert campaign["troll_share_of_negative"] >= 0.5


def test_conversation_truth_matches_the_data(sim: Run) -> None:
    """Recompute, from the files alone, each leader's distinct mentioners and how many of
    them the leader answered within 48 hours: it equals the ground truth."""
    leaders = _leader_ids(sim)
    by_did = {d: lid for lid, (d, _) in leaders.items()}
    by_mid = {m: lid for lid, (_, m) in leaders.items() if m}
    mentioners: dict[str, set[tuple[str, str]]] = defaultdict(set)
    answered: dict[str, set[tuple[str, str]]] = defaultdict(set)
    mention_posts: dict[str, tuple[str, str, int]] = {}  # uri -> (leader, author, time)
    for post in sorted(sim.posts.values(), key=lambda p: p.created):
        parent_did = post.parent.split("/")[2] if post.parent else None
        targets = {by_did[d] for d in post.mentions if d in by_did}
        if parent_did in by_did:
            targets.add(by_did[parent_did])
        own = by_did.get(post.did)
        targets.discard(own) if own else None
        for lid in targets:
            mentioners[lid].add(("bluesky", post.did))
            mention_posts[post.uri] = (lid, post.did, post.created)
        if own and post.parent in mention_posts:
            lid, author, when = mention_posts[post.parent]
            if lid == own and post.created - when <= 48 * HOUR:
                answered[own].add(("bluesky", author))
    masto_mentions: dict[str, tuple[str, str, int]] = {}
    for status in sim.statuses:
        if status["reblog"] is not None:
            continue
        author = status["account"]["id"]
        created = ts(status["created_at"])
        targets = {by_mid[m["id"]] for m in status["mentions"] if m["id"] in by_mid}
        if status["in_reply_to_account_id"] in by_mid:
            targets.add(by_mid[status["in_reply_to_account_id"]])
        own = by_mid.get(author)
        targets.discard(own) if own else None
        for lid in targets:
            mentioners[lid].add(("mastodon", author))
            masto_mentions[status["id"]] = (lid, author, created)
        if own and status["in_reply_to_id"] in masto_mentions:
            lid, target_author, when = masto_mentions[status["in_reply_to_id"]]
            if lid == own and created - when <= 48 * HOUR:
                answered[own].add(("mastodon", target_author))
    styles: Counter[str] = Counter()
    checked = 0
    for row in sim.truth["conversation"]:
        lid = row["leader"]
        assert len(mentioners[lid]) == row["mentioners"], lid
        assert len(answered[lid]) == row["answered_within_48h"], lid
        styles[row["style"]] += 1
        if row["mentioners"] >= 10:
            checked += 1
            if row["style"] == "converser":
                assert row["responsiveness"] >= 0.5 and row["median_response_minutes"] < 600
            else:
                assert row["responsiveness"] <= 0.2
    assert styles["converser"] >= 3 and styles["broadcaster"] >= 3
    assert checked >= 10


def test_stakeholder_classes_and_bio_cues(sim: Run) -> None:
    accounts = sim.truth["accounts"]
    kinds = Counter(a["kind"] for a in accounts)
    for kind in KINDS:
        assert kinds[kind] > 0, kind
    assert kinds["troll"] <= 0.02 * len(accounts)
    cues = {
        "journalist": r"journalist|reporter|rédact|editor|correspondent|pigiste|éditorialiste",
        "investor": r"invest|analyst|analyste|VC|angel|partner|associé|gérant|portfolio",
        "politician": r"député|sénat|conseill|maire|MP\b|parliament|senator|councillor|congress",
        "peer": r"PDG|CEO|fondat|founder|directeur|director|chief|présidente",
        "bot": r"bot|automat",
        "organisation": r"officiel|official",
    }
    registry = tomllib.loads((sim.root / "registry.toml").read_text())
    orgs = {o["id"]: o for o in registry["organisations"]}
    for acc in accounts:
        pattern = cues.get(acc["stakeholder"])
        if pattern:
            assert re.search(pattern, acc["bio"], re.I), (acc["stakeholder"], acc["bio"])
        if acc["kind"] == "employee":
            org = orgs[acc["employer"]]
            names = [org["name"], *org.get("aliases", []), org["domains"][0]]
            assert any(n.lower() in acc["bio"].lower() for n in names) or "@" in acc["bio"], acc[
                "bio"
            ]
    # Every account seen in the data has its class.
    person_of = sim.person_of()
    for event in sim.events:
        assert event["did"] in person_of
    for status in sim.statuses:
        assert status["account"]["id"] in person_of


def test_french_and_english_mix(sim: Run) -> None:
    langs = Counter(p.lang for p in sim.posts.values())
    langs.update(s["language"] for s in sim.statuses if s["reblog"] is None)
    total = langs["fr"] + langs["en"]
    assert total == sum(langs.values())
    assert 0.35 <= langs["fr"] / total <= 0.75
    # Texts follow their language tag (a crude check on function words).
    fr_words = re.compile(r"\b(le|la|les|des|est|pour|sur|une|avec|chez)\b", re.I)
    en_words = re.compile(r"\b(the|is|for|on|with|and|at|our|to)\b", re.I)
    sample = list(sim.posts.values())[:2000]
    for post in sample:
        if post.lang == "fr" and len(post.text) > 40 and "http" not in post.text:
            assert not (en_words.search(post.text) and not fr_words.search(post.text)), post.text


def test_handle_changes_and_deactivation_are_in_the_firehose(sim: Run) -> None:
    handles = {
        (e["did"], e["identity"].get("handle")) for e in sim.events if e["kind"] == "identity"
    }
    for change in sim.truth["handle_changes"]:
        assert (change["did"], change["new_handle"]) in handles
    gone = {e["did"]: e["time_us"] for e in sim.events if e["kind"] == "account"}
    for deact in sim.truth["deactivations"]:
        assert deact["did"] in gone
        later = [
            e for e in sim.events if e["did"] == deact["did"] and e["time_us"] > gone[deact["did"]]
        ]
        assert later == []
