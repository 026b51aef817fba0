"""Saved cursors come back from the store as text: any text must be read or ignored with a
warning, never crash a collector."""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from veille.flow.collect import lag_seconds
from veille.sources.bluesky.poller import AppViewOptions, BlueskyAppView
from veille.sources.bluesky.stream import BlueskyJetstream, StreamOptions
from veille.sources.mastodon.poller import MastodonOptions, MastodonRest
from veille.sources.polling import string_tables
from veille.sources.rss import RssConnector, RssOptions

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
CURSORS = st.text(max_size=80) | JSONISH.map(json.dumps)

_STREAM = BlueskyJetstream(StreamOptions(protocol="v2"))
_RSS = RssConnector(RssOptions())
_MASTODON = MastodonRest(MastodonOptions())
_APPVIEW = BlueskyAppView(AppViewOptions())


@given(JSONISH)
def test_saved_states_keep_only_tables_of_strings(value: object) -> None:
    if isinstance(value, dict):
        for table in string_tables(value).values():
            assert all(isinstance(v, str) for v in table.values())


@given(CURSORS)
@example('{"actors": []}')
@example('{"actors": {"did:plc:x": []}}')
@example('{"time_us": 99999999999999999999999, "seq": true}')
@example('{"time_us": -5, "seq": -3}')
@example("12345678901234567890123")
@example('{"k": "not an object"}')
def test_any_saved_cursor_is_read_or_ignored(cursor: str) -> None:
    _STREAM.seq = _STREAM.time_us = None
    _STREAM.load_cursor(cursor)
    param = _STREAM.resume_param()
    assert param is None or isinstance(param, int)
    assert list(_RSS.fetch(cursor)) == []  # no feed configured: nothing fetched
    assert list(_MASTODON.fetch(cursor)) == []
    assert list(_APPVIEW.fetch(cursor)) == []
    lag = lag_seconds(cursor)
    assert lag is None or isinstance(lag, float)
