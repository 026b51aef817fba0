"""``[alerts]`` is validated with the rest of ``veille.toml``: every error names the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from alert_helpers import REGISTRY

from veille.errors import ConfigError
from veille.workspace.config import parse_config

GOOD = """
[alerts]
max_attempts = 4

[alerts.sinks.equipe]
type = "webhook"
format = "slack"
url_env = "VEILLE_SLACK_URL"
secret_env = "VEILLE_SLACK_SECRET"

[alerts.sinks.mail]
type = "email"
to = ["dircom@exemple.fr"]
security = "ssl"

[[alerts.rules]]
id = "rumeurs"
kinds = ["rumour", "bad_buzz"]
leaders = ["marie"]
watches = ["greve"]
min_score = 3
sinks = ["equipe", "mail"]
quiet_minutes = 60
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def errors(alerts: str) -> str:
    text = REGISTRY + alerts
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("veille.toml"))
    return caught.value.message


def test_a_good_section() -> None:
    config = parse_config(REGISTRY + GOOD, Path("veille.toml"))
    (rule,) = config.alerts.rules
    assert rule.kinds == ["rumour", "bad_buzz"] and rule.quiet_minutes == 60
    assert config.alerts.max_attempts == 4 and set(config.alerts.sinks) == {"equipe", "mail"}
    assert config.workspace.public_url == "https://veille.example.org/"


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (
            ('kinds = ["rumour", "bad_buzz"]', 'kinds = ["rumor"]'),
            "kinds = ",
            "unknown signal kind 'rumor'",
        ),
        (('leaders = ["marie"]', 'leaders = ["mari"]'), "leaders = [", "unknown leader 'mari'"),
        (
            ('watches = ["greve"]', 'watches = ["grev"]'),
            'watches = ["grev"]',
            "unknown watch 'grev'",
        ),
        (
            ('sinks = ["equipe", "mail"]', 'sinks = ["equipe", "slack"]'),
            "sinks = [",
            "unknown sink 'slack'",
        ),
        (('format = "slack"', 'format = "slak"'), "format = ", "alerts.sinks.equipe.format"),
        (('type = "email"', 'type = "e-mail"'), 'type = "e-mail"', "unknown sink type 'e-mail'"),
        (('security = "ssl"', 'security = "tls"'), "security = ", "alerts.sinks.mail.security"),
        (('security = "ssl"', 'securite = "ssl"'), "securite", "unknown field"),
        (('to = ["dircom@exemple.fr"]', "to = []"), "to = []", "alerts.sinks.mail.to"),
        (("min_score = 3", "min_score = -1"), "min_score", "alerts.rules[0].min_score"),
        (("quiet_minutes = 60", "quiet_minute = 60"), "quiet_minute", "unknown field"),
        (("max_attempts = 4", "max_attempts = 0"), "max_attempts", "alerts.max_attempts"),
        (('url_env = "VEILLE_SLACK_URL"', ""), "[alerts.sinks.equipe]", "either url or url_env"),
    ],
)
def test_errors_name_the_line(change: tuple[str, str], needle: str, message: str) -> None:
    alerts = GOOD.replace(*change)
    assert alerts != GOOD
    text = REGISTRY + alerts
    got = errors(alerts)
    assert message in got
    assert f"veille.toml:{line_of(text, needle)}:" in got, got


def test_a_sink_needs_a_type_and_rule_ids_are_unique() -> None:
    alerts = GOOD.replace('type = "email"\n', "") + GOOD[GOOD.index("[[alerts.rules]]") :]
    got = errors(alerts)
    assert "the sink needs a type" in got and "duplicate rule id 'rumeurs'" in got
    text = REGISTRY + alerts
    assert f"veille.toml:{line_of(text, '[alerts.sinks.mail]')}:" in got


def test_public_url_must_be_a_url() -> None:
    text = REGISTRY.replace('"https://veille.example.org/"', '"veille.example.org"')
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("veille.toml"))
    where = f"veille.toml:{line_of(text, 'public_url')}: workspace.public_url"
    assert where in caught.value.message


def test_the_template_examples_parse_once_uncommented() -> None:
    from veille.workspace.template import TEMPLATE

    text = TEMPLATE.replace("# public_url", "public_url")
    start = text.index("# [alerts.sinks.equipe]")
    block = "\n".join(line.removeprefix("# ") for line in text[start:].splitlines())
    config = parse_config(text[:start] + block, Path("veille.toml"))
    assert config.alerts.rules[0].sinks == ["equipe"] and config.workspace.public_url
