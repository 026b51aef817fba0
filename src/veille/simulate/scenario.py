"""The simulated weeks: organic activity day by day, the planted episodes (a conference
burst, a product launch, a rumour that reaches the news, a bad buzz, a troll campaign),
handle changes and a deactivation, then the registry and the ground truth."""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from veille.simulate import texts
from veille.simulate.engine import (
    DAY,
    DELETES_PER_POST,
    FOLLOWS_PER_POST,
    HOUR,
    LIKES_PER_POST,
    LOCAL_PROFILE,
    MASTO_DELAY,
    MINUTE,
    SNAPSHOT_HOUR,
    TIMEZONES,
    Engine,
    Planted,
    Ref,
)
from veille.simulate.ids import iso_ms
from veille.simulate.population import (
    BSKY,
    EMPLOYEE,
    INVESTOR,
    JOURNALIST,
    KINDS,
    MASTO,
    ORG_INDEX,
    ORGS,
    PEER,
    POLITICIAN,
    PUBLIC,
    STAKEHOLDER,
    TROLL,
    Person,
    slugify,
)
from veille.simulate.render import (
    MENTION,
    TAG,
    TEXT,
    Part,
    render_feed,
    toml_table,
)

CONFERENCE_SECTOR = {
    "SommetNum26": "tech",
    "ForumEnergie26": "energie",
    "ForumFinance26": "finance",
}
BUZZ_NEUTRAL = {
    "fr": "Quelqu'un sait ce qui se passe avec {org} ?",
    "en": "Does anyone know what's going on with {org}?",
}
RUMOUR_CUES = [
    "il paraît que",
    "selon nos informations",
    "non confirmé",
    "intox ?",
    "est-ce vrai ?",
    "rumeur",
    "reportedly",
    "unconfirmed",
    "is it true",
]


class Simulation(Engine):
    """An ``Engine`` with a scenario; ``run()`` does the whole simulation."""

    # ------------------------------------------------------------------ plan

    def _pick_day(self, frac: float, weekday: bool = True) -> int:
        day = min(self.days - 1, int(self.days * frac))
        if weekday:
            for shift in range(7):
                d = day + shift
                if d < self.days and (self.start + timedelta(days=d)).weekday() in (1, 2, 3):
                    return d
        return day

    def _sample(self, pool: list[int], n: int) -> list[int]:
        pool = [a for a in pool if self.active[a]]
        if len(pool) >= n:
            return self.rng.sample(pool, n)
        return pool + [self.rng.choice(pool) for _ in range(n - len(pool))]

    def _plan_post(self, us: int, code: str, *payload: Any) -> None:
        day = (us - self.start_us) // DAY
        if 0 <= day < self.days:
            self.planned_by_day[day] += 1
        self._push(us, code, *payload)

    def plan(self) -> None:
        """Choose the subjects of the planted episodes and schedule them."""
        rng = self.rng
        self.activity = min(1.0, max(0.15, self.target_posts / self.days / 476.0))
        s = self.scale
        by_kind = self.pop.by_kind
        self.planned_by_day = [0] * self.days
        own = [i for i, o in enumerate(ORGS) if o.kind == "own"]
        self.refs: dict[str, list[Ref]] = {}

        # Conference burst.
        event_name, conf_tag = rng.choice(texts.EVENT_NAMES)
        sector = CONFERENCE_SECTOR[conf_tag]
        d = self._pick_day(0.25)
        t0 = self.start_us + d * DAY + 7 * HOUR
        t1 = t0 + 9 * HOUR
        ev = self._event(
            "burst-conference",
            "burst",
            {
                "term": f"#{conf_tag}",
                "term_kind": "hashtag",
                "event": event_name,
                "sector": sector,
                "start": t0,
                "end": t1,
            },
        )
        pool = (
            by_kind[JOURNALIST]
            + by_kind[EMPLOYEE]
            + by_kind[PEER]
            + by_kind[PUBLIC][:400]
            + by_kind[INVESTOR]
        )
        n = max(25, round(140 * s))
        authors = self._sample(pool, max(12, round(60 * s)))
        for i in range(n):
            a = authors[i] if i < len(authors) else rng.choice(authors)
            self._plan_post(t0 + int(rng.betavariate(2, 2) * (t1 - t0)), "conf", ev, a)
        for li in [i for i, sp in enumerate(self.leaders) if ORGS[sp.org].sector == sector][:3]:
            self._plan_post(t0 + rng.randrange(1, 8) * HOUR, "lconf", ev, li)
        paris = [i for i in self.media_orgs if ORGS[i].lang == "fr"]
        self._push(
            t1 - HOUR,
            "art",
            ev,
            rng.choice(paris),
            f"{event_name} : ce qu'il fallait retenir",
            f"Dirigeants et chercheurs ont débattu toute la journée au {event_name}.",
            -1,
        )

        # Product launch burst.
        launch_org = rng.choice([i for i in own if ORGS[i].sector in ("tech", "sante")])
        org = ORGS[launch_org]
        product = f"{org.name} {rng.choice(texts.PRODUCT_NAMES)}"
        tag = slugify(product).replace("-", " ").title().replace(" ", "")
        d = self._pick_day(0.4)
        t0 = self.start_us + d * DAY + 8 * HOUR
        t1 = t0 + 6 * HOUR
        ev = self._event(
            "burst-launch",
            "burst",
            {
                "term": f"#{tag}",
                "term_kind": "hashtag",
                "phrase": product,
                "organisation": org.id,
                "start": t0,
                "end": t1,
            },
        )
        ceo = self.leaders_of_org[launch_org][0]
        self._plan_post(t0 + rng.randrange(MINUTE), "llaunch", ev, ceo, product, tag)
        self._push(
            t0 + 5 * MINUTE,
            "press",
            ev,
            launch_org,
            (
                f"{org.name} lance {product}"
                if org.lang == "fr"
                else f"{org.name} launches {product}"
            ),
            "",
        )
        n = max(15, round(70 * s))
        authors = self._sample(
            by_kind[PUBLIC] + by_kind[EMPLOYEE] + by_kind[JOURNALIST], max(10, round(40 * s))
        )
        for i in range(n):
            a = authors[i] if i < len(authors) else rng.choice(authors)
            t = t0 + 10 * MINUTE + int(rng.gammavariate(2.0, 1.2 * HOUR))
            self._plan_post(min(t, t1 - MINUTE), "launch", ev, a, product, tag)

        # Rumour (in French) that reaches a news feed, then is denied.
        r_org = rng.choice([i for i in own if ORGS[i].sector in ("tech", "finance")])
        target = rng.choice([i for i in self.orgs_by_sector[ORGS[r_org].sector] if i != r_org])
        d = self._pick_day(0.5, weekday=False)
        t0 = self.start_us + d * DAY + 19 * HOUR + rng.randrange(0, 2 * HOUR)
        lead = int(rng.uniform(22, 34) * HOUR)
        lead = max(6 * HOUR, min(lead, (self.end_us - t0 - 18 * HOUR)))
        news_media = ORG_INDEX["courrier-eco"]
        ev = self._event(
            "rumour-acquisition",
            "rumour",
            {
                "lang": "fr",
                "organisation": ORGS[r_org].id,
                "target": ORGS[target].id,
                "cues": RUMOUR_CUES,
                "news_feed": self.feed_of_org[news_media],
                "news_at": t0 + lead,
            },
        )
        fr_pool = [
            a
            for a in by_kind[PUBLIC] + by_kind[INVESTOR] + by_kind[PEER] + by_kind[JOURNALIST]
            if self.people[a].lang == "fr"
        ]
        seeds = self._sample(
            [a for a in by_kind[PUBLIC] + by_kind[INVESTOR] if self.people[a].lang == "fr"], 3
        )
        ev.info["seed_authors"] = [self.people[a].pid for a in seeds]
        for k, a in enumerate(seeds):
            self._plan_post(
                t0 + k * rng.randrange(15, 50) * MINUTE, "rumour", ev, a, 1, r_org, target
            )
        n1 = max(10, round(45 * s))
        spreaders = self._sample(fr_pool, max(8, round(40 * s)))
        for i in range(n1):
            t = t0 + 2 * HOUR + int((lead - 2 * HOUR) * rng.random() ** 0.45)
            self._plan_post(t, "rumour", ev, spreaders[i % len(spreaders)], 1, r_org, target)
        self._push(
            t0 + lead,
            "art",
            ev,
            news_media,
            f"Selon nos informations, {ORGS[r_org].name} étudierait le rachat de "
            f"{ORGS[target].name}",
            f"Plusieurs sources évoquent des discussions avancées entre "
            f"{ORGS[r_org].name} et {ORGS[target].name}. Contactée, la direction n'a "
            f"pas confirmé.",
            r_org,
        )
        n2 = max(8, round(35 * s))
        for i in range(n2):
            t = t0 + lead + 10 * MINUTE + int(12 * HOUR * rng.random() ** 2)
            self._plan_post(t, "rumour", ev, spreaders[(n1 + i) % len(spreaders)], 2, r_org, target)
        self._push(t0 + lead + 14 * HOUR, "denial", ev, r_org, target)

        # Bad buzz against one organisation.
        b_org = rng.choice([i for i in own if i not in (r_org, launch_org)])
        org = ORGS[b_org]
        buzz_tag = f"Boycott{org.tag}"
        d = self._pick_day(0.65)
        t0 = self.start_us + d * DAY + int(7.5 * HOUR)
        ev = self._event(
            "badbuzz",
            "bad_buzz",
            {"organisation": org.id, "term": f"#{buzz_tag}", "start": t0, "end": t0 + 36 * HOUR},
        )
        n = max(30, round(220 * s))
        authors = self._sample(by_kind[PUBLIC] + by_kind[POLITICIAN][:20], round(n * 0.75))
        for i in range(n):
            t = t0 + min(35 * HOUR, int(rng.gammavariate(2.0, 4 * HOUR)))
            a = authors[i] if i < len(authors) else rng.choice(authors)
            self._plan_post(t, "buzz", ev, a, b_org, buzz_tag)
        media = rng.choice([i for i in self.media_orgs if ORGS[i].lang == org.lang])
        title = (
            f"Bad buzz : {org.name} sous le feu des critiques"
            if org.lang == "fr"
            else f"{org.name} faces a backlash online"
        )
        self._push(
            t0 + 20 * HOUR,
            "art",
            ev,
            media,
            title,
            (
                f"Des centaines d'internautes dénoncent {org.name} sous le mot-dièse #{buzz_tag}."
                if org.lang == "fr"
                else f"Hundreds of users criticise {org.name} under #{buzz_tag}."
            ),
            b_org,
        )
        self._push(
            t0 + 26 * HOUR,
            "press",
            None,
            b_org,
            (
                f"Communiqué : {org.name} présente ses excuses à ses clients"
                if org.lang == "fr"
                else f"Statement: {org.name} apologises to its customers"
            ),
            "",
        )

        # Troll campaign against one leader: few accounts, many hostile posts.
        candidates = [i for i, sp in enumerate(self.leaders) if sp.org not in (b_org, r_org)]
        t_leader = rng.choice(candidates)
        spec = self.leaders[t_leader]
        last = slugify(self.people[spec.person].name.split()[-1]).replace("-", "").title()
        troll_tag = f"Démission{last}" if self.people[spec.person].lang == "fr" else f"Resign{last}"
        d0 = self._pick_day(0.75, weekday=False)
        n_days = max(1, min(5, self.days - d0))
        t0 = self.start_us + d0 * DAY
        t1 = t0 + n_days * DAY
        trolls = list(by_kind[TROLL])
        ev = self._event(
            "troll-campaign",
            "troll_campaign",
            {
                "target_leader": spec.id,
                "term": f"#{troll_tag}",
                "start": t0,
                "end": t1,
                "accounts": [self.people[a].pid for a in trolls],
            },
        )
        per_day = max(6, round(20 * math.sqrt(s)))
        for a in trolls:
            for dd in range(n_days):
                for _ in range(per_day):
                    hour = rng.choices(range(24), weights=LOCAL_PROFILE.tolist())[0]
                    t = t0 + dd * DAY + ((hour - 2) % 24) * HOUR + rng.randrange(HOUR)
                    self._plan_post(t, "troll", ev, a, t_leader, troll_tag)
        self.troll_window = (t0, t1, t_leader)
        self.troll_stats = {
            "negative_by_trolls": 0,
            "negative_by_others": 0,
            "mentions_by_others": 0,
        }

        # Identity changes and a deactivation, on ordinary public accounts.
        publics = [a for a in by_kind[PUBLIC] if self.people[a].networks & BSKY]
        changing = rng.sample(publics, 3)
        for k, a in enumerate(changing[:2]):
            self._push(
                self.start_us + int(self.days * (0.3 + 0.3 * k)) * DAY + rng.randrange(DAY),
                "handle",
                a,
            )
        self._push(
            self.start_us + int(self.days * 0.8) * DAY + rng.randrange(DAY),
            "deactivate",
            changing[2],
        )

        # Objectives: one leader's audience, one organisation's image.
        conversers = [i for i, sp in enumerate(self.leaders) if sp.style == "converser"]
        self.objective_leaders = (rng.choice(conversers), self.leaders_of_org[b_org][0])

    def _event(self, eid: str, kind: str, info: dict[str, Any]) -> Planted:
        ev = Planted(eid, kind, info)
        self.events[eid] = ev
        self.refs[eid] = []
        return ev

    # ------------------------------------------------------------------ planted actions

    def _do_conf(self, us: int, ev: Planted, a: int) -> None:
        rng = self.rng
        p = self.people[a]
        lang = self._lang(p)
        net = self._net(a)
        refs = [r for r in self.refs[ev.id] if r.net == net]
        text = self._fill(
            rng.choice(texts.CONFERENCE[lang]),
            event=ev.info["event"],
            topic=self._topic(ev.info["sector"], lang),
            leader=self.people[self.leaders[rng.randrange(len(self.leaders))].person].name,
        )
        parts: list[Part] = [(TEXT, text + " "), (TAG, ev.info["term"][1:])]
        quote = rng.choice(refs) if refs and rng.random() < 0.15 else None
        ref = self.post(us, a, net, parts, lang, quote=quote, event=ev)
        self.refs[ev.id].append(ref)
        if refs and rng.random() < 0.3:
            self._push(us + rng.randrange(1, 30) * MINUTE, "rt", ev, rng.choice(refs))

    def _do_rt(self, us: int, ev: Planted, target: Ref) -> None:
        """A repost of a planted post by someone nearby (not counted as a post of the
        episode's term: reposts carry no text)."""
        a = self.rng.choice(self.pop.by_kind[PUBLIC] + self.pop.by_kind[EMPLOYEE])
        if self.people[a].networks & target.net and self.active[a] and a != target.author:
            self.repost(us, a, target, event=ev)

    def _do_lconf(self, us: int, ev: Planted, li: int) -> None:
        spec = self.leaders[li]
        lang = self.people[spec.person].lang
        text = self._fill(
            self.rng.choice(texts.CONFERENCE[lang]),
            event=ev.info["event"],
            topic=self._topic(ev.info["sector"], lang),
            leader=self.people[spec.person].name,
        )
        self.leader_post(us, li, event=ev, text=text, tag=ev.info["term"][1:])

    def _do_llaunch(self, us: int, ev: Planted, li: int, product: str, tag: str) -> None:
        spec = self.leaders[li]
        org = ORGS[spec.org]
        lang = self.people[spec.person].lang
        text = (
            f"Très fier de lancer aujourd'hui {product}, le fruit de deux ans de travail "
            f"des équipes de {org.name}."
            if lang == "fr"
            else f"Proud to launch {product} today, two years of work by the {org.name} team."
        )
        self.leader_post(us, li, event=ev, text=text, tag=tag)

    def _do_launch(self, us: int, ev: Planted, a: int, product: str, tag: str) -> None:
        rng = self.rng
        p = self.people[a]
        lang = self._lang(p)
        org = ORGS[ORG_INDEX[ev.info["organisation"]]]
        text = rng.choice(texts.LAUNCH[lang]).format(org=org.name, product=product)
        ref = self.post(us, a, self._net(a), [(TEXT, text + " "), (TAG, tag)], lang, event=ev)
        self.refs[ev.id].append(ref)

    def _do_press(self, us: int, ev: Planted | None, oi: int, title: str, summary: str) -> None:
        org = ORGS[oi]
        if not summary:
            summary = (
                f"{org.name} publie un communiqué."
                if org.lang == "fr"
                else f"{org.name} issues a statement."
            )
        self.newsroom(us, oi, title=title, summary=summary, event=None)

    def _do_art(
        self, us: int, ev: Planted, media: int, title: str, summary: str, about: int
    ) -> None:
        item = self.article(us, media, event=None, title=title, summary=summary, about=about)
        if ev.kind == "rumour":
            ev.info["news_item"] = {
                "feed": self.feed_of_org[media],
                "guid": item.guid,
                "link": item.link,
                "title": item.title,
                "published": iso_ms(us),
            }
        else:
            ev.info.setdefault("news_items", []).append(
                {
                    "feed": self.feed_of_org[media],
                    "guid": item.guid,
                    "link": item.link,
                    "title": item.title,
                    "published": iso_ms(us),
                }
            )

    def _do_rumour(self, us: int, ev: Planted, a: int, phase: int, oi: int, target: int) -> None:
        rng = self.rng
        p = self.people[a]
        lang = "fr" if p.lang == "fr" or rng.random() < 0.5 else "en"
        net = self._net(a)
        names = {"org": ORGS[oi].name, "target": ORGS[target].name}
        refs = [r for r in self.refs[ev.id] if r.net == net]
        r = rng.random()
        if refs and r < 0.15:
            ref = self.post(
                us,
                a,
                net,
                [(TEXT, rng.choice(RUMOUR_REACT_ALL[lang]))],
                lang,
                reply=rng.choice(refs),
                event=ev,
            )
        elif refs and r < 0.35:
            ref = self.post(
                us,
                a,
                net,
                [(TEXT, rng.choice(RUMOUR_REACT_ALL[lang]))],
                lang,
                quote=rng.choice(refs),
                event=ev,
            )
        else:
            if phase == 2:
                text = rng.choice(texts.RUMOUR_NEWS_ECHO[lang]).format(
                    media=ORGS[ORG_INDEX["courrier-eco"]].name, **names
                )
            else:
                text = rng.choice(texts.RUMOUR[lang]).format(**names)
            ref = self.post(us, a, net, [(TEXT, text)], lang, event=ev)
        self.refs[ev.id].append(ref)
        if rng.random() < 0.35:
            self._push(us + rng.randrange(2, 60) * MINUTE, "rt", ev, ref)

    def _do_denial(self, us: int, ev: Planted, oi: int, target: int) -> None:
        org = ORGS[oi]
        lang = org.lang
        text = texts.DENIAL[lang][0].format(org=org.name, target=ORGS[target].name)
        item = self.newsroom(
            us,
            oi,
            title=(
                f"{org.name} dément toute discussion avec {ORGS[target].name}"
                if lang == "fr"
                else f"{org.name} denies talks with {ORGS[target].name}"
            ),
            summary=text,
        )
        ceo = self.leaders_of_org[oi][0]
        self._push(us + 40 * MINUTE, "ldenial", ceo, text)
        ev.info["denial"] = {
            "feed": self.feed_of_org[oi],
            "guid": item.guid,
            "published": iso_ms(us),
        }

    def _do_ldenial(self, us: int, li: int, text: str) -> None:
        self.leader_post(us, li, text=text)

    def _do_buzz(self, us: int, ev: Planted, a: int, oi: int, tag: str) -> None:
        rng = self.rng
        p = self.people[a]
        org = ORGS[oi]
        lang = self._lang(p)
        net = self._net(a)
        official = self.pop.org_person[oi]
        if rng.random() < 0.07:
            ref = self.post(
                us, a, net, [(TEXT, BUZZ_NEUTRAL[lang].format(org=org.name))], lang, event=ev
            )
            self.refs[ev.id].append(ref)
            return
        issue = rng.choice(texts.BAD_BUZZ_ISSUE[org.sector][lang])
        text = rng.choice(texts.BAD_BUZZ[lang]).format(org=org.name, issue=issue)
        parts: list[Part] = [(TEXT, text)]
        if rng.random() < 0.6:
            parts += [(TEXT, " "), (TAG, tag)]
        addressed = False
        if rng.random() < 0.4 and self.people[official].networks & net:
            parts += [(TEXT, " "), (MENTION, official)]
            addressed = True
        reply = self._pool_target(oi, net) if rng.random() < 0.2 else None
        ref = self.post(us, a, net, parts, lang, reply=reply, event=ev, negative=True)
        self.refs[ev.id].append(ref)
        if (addressed or reply is not None) and rng.random() < 0.25:
            self._push(us + rng.randrange(30, 180) * MINUTE, "buzz_answer", oi, ref)

    def _do_buzz_answer(self, us: int, oi: int, target: Ref) -> None:
        official = self.pop.org_person[oi]
        if not self.people[official].networks & target.net:
            return
        lang = target.lang
        self.post(
            us, official, target.net, [(TEXT, texts.BAD_BUZZ_ANSWER[lang][0])], lang, reply=target
        )

    def _do_troll(self, us: int, ev: Planted, a: int, li: int, tag: str) -> None:
        rng = self.rng
        p = self.people[a]
        spec = self.leaders[li]
        leader = self.people[spec.person]
        net = self._net(a)
        lang = p.lang
        text = rng.choice(texts.TROLL[lang]).format(leader=leader.name, org=ORGS[spec.org].name)
        parts: list[Part] = [(TEXT, text)]
        if rng.random() < 0.4:
            parts += [(TEXT, " "), (TAG, tag)]
        reply = None
        if rng.random() < 0.3:
            feed = self.lfeed.get((li, net))
            if feed and not feed[-1].deleted:
                reply = feed[-1]
        if reply is None:
            if leader.networks & net:
                parts = [(MENTION, spec.person), (TEXT, " "), *parts]
            else:
                parts = [(TEXT, leader.name + " : "), *parts]
        self.post(us, a, net, parts, lang, reply=reply, event=ev, negative=True)

    def _do_handle(self, us: int, a: int) -> None:
        p = self.people[a]
        old = p.handle
        base = old.split(".")[0]
        new = f"{base}-{self.rng.randint(10, 99)}.{old.split('.', 1)[1]}"
        p.handle = new
        self.handles[a] = new
        us = self._stamp(us)
        self.upstream(
            p.did,
            us,
            "identity",
            {"did": p.did, "handle": new, "seq": self._relay_seq(), "time": iso_ms(us)},
        )
        self.c["bluesky_identity"] += 1
        self.handle_changes.append(
            {"person": p.pid, "did": p.did, "old_handle": old, "new_handle": new, "at": iso_ms(us)}
        )

    def _do_deactivate(self, us: int, a: int) -> None:
        p = self.people[a]
        us = self._stamp(us)
        self.upstream(
            p.did,
            us,
            "account",
            {
                "active": False,
                "did": p.did,
                "seq": self._relay_seq(),
                "status": "deactivated",
                "time": iso_ms(us),
            },
        )
        self.c["bluesky_account"] += 1
        self.active[a] = 0
        self.weights[a] = 0.0
        self.deactivations.append({"person": p.pid, "did": p.did, "at": iso_ms(us)})

    # scheduled routine actions
    def _do_snapshot(self, us: int) -> None:
        self.snapshot(us)

    def _do_lpost(self, us: int, li: int) -> None:
        self.leader_post(us, li)

    def _do_lrepost(self, us: int, li: int) -> None:
        self.leader_repost(us, li)

    def _do_lreply(self, us: int, li: int, target: Ref) -> None:
        self.leader_reply(us, li, target)

    def _do_article(self, us: int, oi: int) -> None:
        self.article(us, oi)

    def _do_share(self, us: int, a: int, item: Any, ev: Planted | None) -> None:
        self.share(us, a, item, ev)

    def _do_blog(self, us: int, li: int) -> None:
        self.blog_post(us, li)

    def _do_newsroom(self, us: int, oi: int) -> None:
        self.newsroom(us, oi)

    # ------------------------------------------------------------------ days

    def _on_mention(self, li: int, ref: Ref) -> None:
        super()._on_mention(li, ref)
        t0, t1, target = self.troll_window
        if li == target and t0 <= ref.us < t1:
            author = self.people[ref.author]
            if author.kind == TROLL:
                self.troll_stats["negative_by_trolls"] += 1
            else:
                self.troll_stats["mentions_by_others"] += 1
                if self._last_negative:
                    self.troll_stats["negative_by_others"] += 1

    def _weekday_factor(self, day: int) -> float:
        wd = (self.start + timedelta(days=day)).weekday()
        return 0.62 if wd >= 5 else 1.0

    def _poisson(self, lam: float) -> int:
        # Knuth's method: small rates only.
        limit = math.exp(-lam)
        k = 0
        prod = self.rng.random()
        while prod > limit:
            k += 1
            prod *= self.rng.random()
        return k

    def _schedule_day(self, day: int) -> None:
        rng = self.rng
        start = self.start_us + day * DAY
        # Leaders, newsrooms and news sites slow down in small simulations (so that the
        # post count follows the option); they do not speed up in big ones.
        wk = self._weekday_factor(day) * self.activity
        self._push(start + SNAPSHOT_HOUR * HOUR, "snapshot")
        for li, spec in enumerate(self.leaders):
            base = start + (12 if self.people[spec.person].region else 6) * HOUR
            for _ in range(self._poisson(spec.posts_per_day * wk)):
                self._push(base + rng.randrange(12 * HOUR), "lpost", li)
            if rng.random() < 0.3 * wk:
                self._push(base + rng.randrange(12 * HOUR), "lrepost", li)
            if spec.blog and rng.random() < 0.18 * wk:
                self._push(base + rng.randrange(12 * HOUR), "blog", li)
        for oi in self.company_orgs:
            if rng.random() < 0.12 * wk:
                base = start + (13 if ORGS[oi].country in ("US", "CA") else 7) * HOUR
                self._push(base + rng.randrange(10 * HOUR), "newsroom", oi)
        for oi in self.media_orgs:
            base = start + (11 if ORGS[oi].country in ("US", "CA") else 5) * HOUR
            for _ in range(self._poisson(3.0 * wk)):
                self._push(base + rng.randrange(14 * HOUR), "article", oi)

    def _profiles(self, day: int) -> list[np.ndarray]:
        """Local hourly profile on UTC for each region that day (daylight saving aware)."""
        out = []
        noon = self.start + timedelta(days=day)
        for tz in TIMEZONES:
            offset = datetime(noon.year, noon.month, noon.day, 12, tzinfo=tz).utcoffset()
            hours = int(offset.total_seconds() // 3600) if offset else 0
            prof = np.roll(LOCAL_PROFILE, -hours)  # local hour h happens at UTC h - offset
            out.append(prof / prof.sum())
        return out

    def _organic(self, day: int, n_posts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = np.random.default_rng([self.seed, day, 17])
        n_likes = int(n_posts * LIKES_PER_POST)
        n_follows = int(n_posts * FOLLOWS_PER_POST)
        n_deletes = int(n_posts * DELETES_PER_POST)
        codes = np.repeat(
            np.array([0, 1, 2, 3], dtype=np.int8), [n_posts, n_likes, n_follows, n_deletes]
        )
        g.shuffle(codes)
        total = len(codes)
        live = self.weights > 0
        pools = [np.nonzero(live & (self.regions == r))[0] for r in (0, 1)]
        mass = [float(self.weights[p].sum()) for p in pools]
        share_na = mass[1] / max(1e-9, mass[0] + mass[1])
        region = g.random(total) < share_na
        times = np.empty(total, dtype=np.int64)
        authors = np.empty(total, dtype=np.int64)
        start = self.start_us + day * DAY
        profiles = self._profiles(day)
        for r in (0, 1):
            mask = region == bool(r)
            n = int(mask.sum())
            if n == 0:
                continue
            hours = g.choice(24, size=n, p=profiles[r])
            secs = hours * 3600.0 + g.random(n) * 3600.0
            times[mask] = start + (secs * 1e6).astype(np.int64)
            w = self.weights[pools[r]]
            authors[mask] = g.choice(pools[r], size=n, p=w / w.sum())
        order = np.argsort(times, kind="stable")
        return times[order], authors[order], codes[order]

    def run(self) -> None:
        out = self.out
        for sub in ("bluesky", "mastodon", "web"):
            (out / sub).mkdir(parents=True, exist_ok=True)
        _clean(out)
        self._mfile = (out / "mastodon" / "statuses.jsonl").open("wb", buffering=1 << 20)
        self._afile = (out / "bluesky" / "appview.jsonl").open("wb", buffering=1 << 20)
        self._last_negative = False
        self.troll_window = (0, 0, -1)
        self._make_feeds()
        self.plan()
        self.followers_at_start = {s.person: self.fol_b[s.person] for s in self.leaders}
        for a in self.tracked:
            if self.people[a].networks & BSKY:
                self._introduce(a, self._stamp(self.start_us))
        other_rate = (
            sum(
                s.posts_per_day * (1 + bool(self.people[s.person].networks & MASTO))
                for s in self.leaders
            )
            + len(self.media_orgs) * 3.0 * 2.0
        ) * self.activity
        weights = [self._weekday_factor(d) for d in range(self.days)]
        for day in range(self.days):
            self.day = day
            start = self.start_us + day * DAY
            before = self.n_posts
            self._schedule_day(day)
            remaining = self.target_posts - self.n_posts
            planned = sum(self.planned_by_day[day:])
            expected_other = other_rate * sum(weights[day:])
            organic_total = max(0.0, remaining - planned - expected_other)
            n_today = round(organic_total * weights[day] / sum(weights[day:]))
            n_leaders = len(self.leaders)
            self.p_directed = min(0.15, 25.0 * n_leaders / max(1, n_today))
            times, authors, codes = self._organic(day, n_today)
            heap = self.heap
            active = self.active
            mbuf = self.mbuf
            for t, a, code in _chunked(times, authors, codes):
                while heap and heap[0][0] <= t:
                    self._dispatch(heapq.heappop(heap))
                if mbuf and mbuf[0].us + MASTO_DELAY <= t:
                    self._flush_masto(t)
                if not active[a]:
                    continue
                if code == 0:
                    self.organic_post(t, a)
                elif code == 1:
                    self.organic_like(t, a)
                elif code == 2:
                    self.organic_follow(t, a)
                else:
                    self.delete_one(t)
            end = start + DAY
            while heap and heap[0][0] < end:
                self._dispatch(heapq.heappop(heap))
            self._flush_masto(end)
            produced = self.n_posts - before
            other_today = produced - n_today - self.planned_by_day[day]
            if day == 0:
                other_rate = max(0.0, other_today / weights[day])
            else:
                other_rate = 0.7 * other_rate + 0.3 * max(0.0, other_today / weights[day])
        self._flush_masto(self.end_us, final=True)
        self._close_js()
        assert self._mfile is not None and self._afile is not None
        self._mfile.close()
        self._afile.close()
        for feed in self.feeds.values():
            (out / "web" / feed.filename).write_text(render_feed(feed), encoding="utf-8")
            self.files[f"web/{feed.filename}"] = len(feed.items)
        (out / "registry.toml").write_text(self.registry_toml(), encoding="utf-8")
        self.write_ground_truth(out / "ground_truth.json")

    def _dispatch(self, item: tuple[int, int, str, tuple[Any, ...]]) -> None:
        us, _, code, payload = item
        if us >= self.end_us:
            return
        getattr(self, "_do_" + code)(us, *payload)

    # ------------------------------------------------------------------ registry

    def registry_toml(self) -> str:
        people = self.people
        out = [
            f"# Simulated registry written by `veille simulate` (seed {self.seed}).",
            "# Every organisation, person, handle and domain here is invented.",
            "",
            toml_table(
                "[workspace]",
                {
                    "name": "Démo veille (données simulées)",
                    "language": "fr",
                    "timezone": "Europe/Paris",
                    "retention_days": 0,
                },
            ),
        ]
        for oi, org in enumerate(ORGS):
            pidx = self.pop.org_person[oi]
            p = people[pidx]
            accounts: dict[str, list[str]] = {"bluesky": [p.did]}
            if p.networks & MASTO:
                accounts["mastodon"] = [p.acct]
            accounts["web"] = [self.feeds[self.feed_of_org[oi]].self_url]
            if org.kind == "media":
                competitors: list[str] = []
            elif org.kind == "own":
                competitors = [ORGS[i].id for i in self.orgs_by_sector[org.sector] if i != oi]
            else:
                competitors = [
                    ORGS[i].id
                    for i in self.orgs_by_sector[org.sector]
                    if i != oi and ORGS[i].kind == "own"
                ]
            fields: dict[str, object] = {
                "id": org.id,
                "name": org.name,
                "kind": org.kind,
                "sector": org.sector or None,
                "country": org.country,
                "domains": [org.domain],
                "competitors": competitors or None,
                "aliases": list(org.aliases) or None,
                "accounts": accounts,
            }
            out += [
                "",
                toml_table("[[organisations]]", fields, {"accounts": f"bluesky @{p.handle}"}),
            ]
        for li, spec in enumerate(self.leaders):
            p = people[spec.person]
            accounts = {"bluesky": [p.did]}
            if p.networks & MASTO:
                accounts["mastodon"] = [p.acct]
            if li in self.feed_of_leader:
                accounts["web"] = [self.feeds[self.feed_of_leader[li]].self_url]
            fields = {
                "id": spec.id,
                "name": p.name,
                "role": spec.role,
                "organisation": ORGS[spec.org].id,
                "sector": ORGS[spec.org].sector,
                "country": p.country,
                "cohorts": spec.cohorts,
                "aliases": spec.aliases,
                "accounts": accounts,
            }
            out += ["", toml_table("[[leaders]]", fields, {"accounts": f"bluesky @{p.handle}"})]
        for watch in self.watches():
            out += ["", toml_table("[[watches]]", watch)]
        for objective in self.objectives():
            out += ["", toml_table("[[objectives]]", objective)]
        return "\n".join(out) + "\n"

    def watches(self) -> list[dict[str, object]]:
        ev = self.events
        rumour = ev["rumour-acquisition"].info
        r_org, r_target = ORGS[ORG_INDEX[rumour["organisation"]]], ORGS[ORG_INDEX[rumour["target"]]]
        buzz = ev["badbuzz"].info
        b_org = ORGS[ORG_INDEX[buzz["organisation"]]]
        conf = ev["burst-conference"].info
        launch = ev["burst-launch"].info
        troll = ev["troll-campaign"].info
        t_spec = next(s for s in self.leaders if s.id == troll["target_leader"])
        t_person = self.people[t_spec.person]
        return [
            {
                "id": f"rachat-{r_org.id}",
                "name": f"Rumeurs de rachat : {r_org.name}",
                "query": f'("{r_org.name}" OR "{r_target.name}") AND (rachat OR racheter OR '
                f'fusion OR acqui* OR "selon nos informations")',
                "alert": True,
            },
            {
                "id": f"crise-{b_org.id}",
                "name": f"Crise : {b_org.name}",
                "query": f'{buzz["term"]} OR ("{b_org.name}" AND (scandal* OR honte* OR '
                "inadmissible OR arnaque OR lamentable OR résili* OR furieu* OR écœur* OR "
                '"plus jamais" OR disgrace* OR shameful OR outrageous OR terrible OR awful OR '
                'furious OR "never again" OR boycott*))',
                "alert": True,
            },
            {
                "id": "evenement",
                "name": conf["event"],
                "query": f'{conf["term"]} OR "{conf["event"]}"',
                "alert": False,
            },
            {
                "id": "lancement",
                "name": launch["phrase"],
                "query": f'{launch["term"]} OR "{launch["phrase"]}"',
                "alert": False,
            },
            {
                "id": f"mentions-{t_spec.id}",
                "name": f"Mentions de {t_person.name}",
                "query": f'@{t_person.handle} OR "{t_person.name}"',
                "alert": False,
            },
            {
                "id": "ia",
                "name": "IA / AI",
                "query": '(IA OR "intelligence artificielle" OR AI OR "generative AI") AND NOT '
                "(crypto* OR #bourse)",
                "alert": False,
            },
        ]

    def objectives(self) -> list[dict[str, object]]:
        li_influence, li_image = self.objective_leaders
        deadline = self.start + timedelta(days=300)
        base = self.followers_at_start[self.leaders[li_influence].person]
        return [
            {
                "id": f"influence-{self.leaders[li_influence].id}",
                "leader": self.leaders[li_influence].id,
                "dimension": "influence",
                "metric": "followers",
                "network": "bluesky",
                "target": float(round(base * 1.5, -2) or 1000),
                "deadline": deadline,
            },
            {
                "id": f"image-{self.leaders[li_image].id}",
                "leader": self.leaders[li_image].id,
                "dimension": "image",
                "metric": "net_sentiment",
                "target": 0.2,
                "deadline": deadline,
            },
        ]

    # ------------------------------------------------------------------ ground truth

    def ground_truth(self) -> bytes:
        events: dict[str, list[dict[str, Any]]] = {
            "bursts": [],
            "rumours": [],
            "bad_buzz": [],
            "troll_campaigns": [],
        }
        for ev in self.events.values():
            info = {
                k: (iso_ms(v) if k in ("start", "end", "news_at") else v)
                for k, v in ev.info.items()
            }
            tally: dict[str, Any] = {
                "n_posts": ev.n_posts,
                "n_reposts": ev.n_reposts,
                "n_authors": len(ev.authors),
                "n_negative": ev.n_negative,
                "first_post": iso_ms(ev.first_us) if ev.first_us else None,
                "last_post": iso_ms(ev.last_us) if ev.last_us else None,
                "networks": ev.networks,
                "authors": sorted(ev.authors),
                "post_uris": ev.uris,
            }
            entry: dict[str, Any] = {"id": ev.id, **info, **tally}
            if ev.kind == "burst":
                events["bursts"].append(entry)
            elif ev.kind == "rumour":
                news = ev.info.get("news_item")
                if news and ev.first_us:
                    news_us = ev.info["news_at"]
                    entry["lead_time_hours"] = round((news_us - ev.first_us) / HOUR, 2)
                events["rumours"].append(entry)
            elif ev.kind == "bad_buzz":
                entry["negative_share"] = round(ev.n_negative / max(1, ev.n_posts), 3)
                events["bad_buzz"].append(entry)
            else:
                stats = self.troll_stats
                trolls = stats["negative_by_trolls"]
                others = stats["negative_by_others"]
                entry["negative_mentions_by_trolls"] = trolls
                entry["negative_mentions_by_others"] = others
                entry["mentions_by_others"] = stats["mentions_by_others"]
                entry["troll_share_of_negative"] = round(trolls / max(1, trolls + others), 3)
                events["troll_campaigns"].append(entry)
        conversation = []
        for li, spec in enumerate(self.leaders):
            st = self.conv[li]
            n_m = len(st.first_mention)
            conversation.append(
                {
                    "leader": spec.id,
                    "style": spec.style,
                    "reply_probability": spec.reply_probability,
                    "mentioners": n_m,
                    "answered_within_48h": len(st.answered),
                    "responsiveness": round(len(st.answered) / n_m, 3) if n_m else None,
                    "median_response_minutes": round(statistics.median(st.response_minutes), 1)
                    if st.response_minutes
                    else None,
                    "originals_written": st.originals,
                    "replies_written": st.replies,
                    "reposts_written": st.reposts,
                    "dialogue_ratio": round(st.replies / max(1, st.originals + st.replies), 3),
                }
            )
        li_influence, _ = self.objective_leaders
        objectives = []
        for obj in self.objectives():
            entry = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in obj.items()}
            if obj["metric"] == "followers":
                person = self.leaders[li_influence].person
                entry["followers_at_start"] = self.followers_at_start[person]
                entry["followers_at_end"] = self.fol_b[person]
            objectives.append(entry)
        doc = {
            "simulator": {
                "note": "Simulated data: templated text, invented people and organisations. "
                "Fine for demos and pipeline tests, not for accuracy claims.",
                "seed": self.seed,
                "posts_requested": self.target_posts,
                "weeks": self.weeks,
                "start": self.start.isoformat(),
                "scale": round(self.scale, 3),
            },
            "period": {"start": iso_ms(self.start_us), "end": iso_ms(self.end_us)},
            "account_keys": "bluesky: did; mastodon: account id as in statuses.jsonl "
            "(acct and url also given); authors below are person ids",
            "counts": dict(self.c),
            "deleted": dict(self.deleted),
            **events,
            "conversation": conversation,
            "objectives": objectives,
            "handle_changes": self.handle_changes,
            "deactivations": self.deactivations,
            "feeds": [
                {
                    "id": f.id,
                    "file": f"web/{f.filename}",
                    "url": f.self_url,
                    "format": f.format,
                    "owner": f.owner,
                    "items": len(f.items),
                }
                for f in self.feeds.values()
            ],
            "accounts": [],
        }
        return msgspec.json.format(msgspec.json.encode(doc), indent=1)

    def _account_truth(self, p: Person) -> dict[str, Any]:
        return {
            "person": p.pid,
            "kind": KINDS[p.kind],
            "stakeholder": STAKEHOLDER[KINDS[p.kind]],
            "name": p.display_name,
            "lang": p.lang,
            "country": p.country,
            "employer": ORGS[p.employer].id if p.employer >= 0 else None,
            "registry_id": p.leader_id or p.org_id or None,
            "bio": p.bio,
            "bluesky": {"did": p.did, "handle": p.handle} if p.networks & BSKY else None,
            "mastodon": {"id": p.m_id, "acct": p.acct, "url": p.m_url}
            if p.networks & MASTO
            else None,
        }

    def write_ground_truth(self, path: Path) -> None:
        """The document, with one account per line at the end, written as it goes (a
        hundred thousand accounts need not be in memory twice)."""
        head = self.ground_truth()
        tail = b'"accounts": []\n}'
        if not head.endswith(tail):
            raise AssertionError("the ground truth must end with its accounts")
        cut = len(head) - len(tail) + len(b'"accounts": ')
        with path.open("wb") as fh:
            fh.write(head[:cut] + b"[\n")
            last = len(self.people) - 1
            for i, p in enumerate(self.people):
                fh.write(b"  " + self.enc.encode(self._account_truth(p)))
                fh.write(b",\n" if i < last else b"\n")
            fh.write(b" ]\n}\n")


RUMOUR_REACT_ALL: dict[str, list[str]] = {
    "fr": [
        "Est-ce vrai ?",
        "Intox ?",
        "Non confirmé, prudence.",
        "Quelqu'un a une source ?",
        "Il paraît que c'est sérieux...",
        "Info ou intox ?",
    ],
    "en": ["Is this true?", "Unconfirmed, careful.", "Any source on this?"],
}


def _chunked(
    times: np.ndarray, authors: np.ndarray, codes: np.ndarray, size: int = 65_536
) -> Iterator[tuple[int, int, int]]:
    """Iterate over the day's arrays as Python ints, a slice at a time (a day of a
    10-million-post run is half a million events: no need for all of them as objects)."""
    for i in range(0, len(times), size):
        yield from zip(
            times[i : i + size].tolist(),
            authors[i : i + size].tolist(),
            codes[i : i + size].tolist(),
            strict=True,
        )


def _clean(out: Path) -> None:
    """Remove what a previous run wrote here (and only that)."""
    for path in (out / "bluesky").glob("jetstream-*.jsonl"):
        path.unlink()
    for name in (
        "bluesky/appview.jsonl",
        "mastodon/statuses.jsonl",
        "registry.toml",
        "ground_truth.json",
    ):
        (out / name).unlink(missing_ok=True)
    for path in (out / "web").glob("*.xml"):
        path.unlink()
