"""The commented ``veille.toml`` that ``veille init`` writes."""

TEMPLATE = """\
# veille.toml: the workspace of veille (veille sociale des dirigeants).
# Every section is optional. `veille status` validates this file; an error names the line.
# Documentation: README.md, section "The workspace file".

[workspace]
name = "Ma veille"            # shown in reports and the dashboard
language = "fr"               # language of reports: "fr" or "en"
timezone = "Europe/Paris"     # for daily digests and "best hour"
retention_days = 0            # purge raw post text older than this many days; 0 keeps it
# public_url = "https://veille.example.org"   # the dashboard's address: alerts link to it

# Organisations: your own, competitors, partners, media. `competitors` lists the ids that
# form the competitor set for share of voice.
[[organisations]]
id = "acme"                   # slug: lower case letters, digits, - and _
name = "Acme"
kind = "own"                  # own | competitor | partner | media | other
sector = "tech"
country = "FR"                # ISO 3166 code
domains = ["acme.example"]
competitors = ["globex"]
aliases = ["Acme SA"]
accounts = { bluesky = ["acme.bsky.social"] }

[[organisations]]
id = "globex"
name = "Globex"
kind = "competitor"
sector = "tech"
country = "FR"
domains = ["globex.example"]

# Leaders: each links to accounts on several networks.
# Accounts: bluesky handle or DID, mastodon user@instance, x username,
# linkedin profile slug, web feed URL. One string or a list.
[[leaders]]
id = "marie-dupont"
name = "Marie Dupont"
role = "PDG"
organisation = "acme"
sector = "tech"
country = "FR"
cohorts = ["tech-fr"]
accounts = { bluesky = ["marie-dupont.bsky.social"], mastodon = ["mdupont@mastodon.social"] }

# Watches: boolean queries (see docs/query-language.md).
[[watches]]
id = "acme-rachat"
name = "Rumeurs de rachat"
query = '"Acme" AND (rachat OR fusion OR acquisition)'
alert = false

# Objectives: a target on a metric, with a deadline.
[[objectives]]
id = "influence-2027"
leader = "marie-dupont"
dimension = "influence"       # influence | image | information | recruitment | speed
metric = "followers"
network = "bluesky"
target = 5000
deadline = 2027-06-30

# Extra words for the stakeholder classifier, per class.
[stakeholders]
journalist = ["rédactrice en chef"]

[sources.bluesky]
appview_url = "https://public.api.bsky.app"
jetstream_url = "wss://jetstream2.us-east.bsky.network/subscribe"

[sources.mastodon]
# instances = [{ url = "https://mastodon.social", token_env = "VEILLE_MASTODON_TOKEN" }]

[sources.rss]
feeds = []
news_queries = []             # e.g. ["Marie Dupont"]: a Google News RSS search feed each

# The pre-publication check (`veille check`): extra risk terms, per category
# (insults, confidential, market, absolute), added to the shipped FR/EN lexicons.
[check.risk_terms]
confidential = ["projet Hermès"]

# The daily digest (`veille digest`, and `veille run` after run_at, local time).
[digest]
# cohort = "tech"             # only this cohort's leaders (default: every leader)
size = 10                     # picks at most; at most per_leader (2) per leader
min_posts = 3                 # fewer picks than this: no digest that day
age_hours = 24                # each post is scored on the snapshot closest to this age
run_at = "08:00"
# [digest.email]
# to = ["dircom@acme.example"]
# smtp_host = "localhost"
# [digest.publish]
# network = "bluesky"
# handle = "digest.acme.example"
# password_env = "VEILLE_DIGEST_APP_PASSWORD"

# Alerts on signals (docs/alerts.md): where they go, and what sends them. Secrets are read
# from environment variables, never written here. Test a sink: `veille alerts test NAME`.
# [alerts.sinks.equipe]
# type = "webhook"                    # or "email"
# format = "slack"                    # generic (HMAC-signed JSON), slack, teams, mattermost
# url_env = "VEILLE_SLACK_WEBHOOK"
# [[alerts.rules]]
# id = "rumeurs"
# kinds = ["rumour", "bad_buzz", "campaign"]
# leaders = ["marie-dupont"]
# min_score = 3
# sinks = ["equipe"]
# quiet_minutes = 60
"""
