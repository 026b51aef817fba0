"""Hypothesis: the raw log never fails in an unplanned way."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.sources.base import RawItem
from veille.store.rawlog import RawLog

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(st.lists(st.tuples(st.sampled_from(["a", "b/c", "é x"]), json_values), max_size=30))
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
def test_raw_log_round_trip(entries: list[tuple[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        log = RawLog(Path(tmp))
        at = datetime(2026, 1, 2, tzinfo=UTC)
        log.append([RawItem.of(src, f"o{i}", value, at) for i, (src, value) in enumerate(entries)])
        got = sorted(
            (item.origin, item.value() == value)
            for item in log.items()
            for i, (_, value) in enumerate(entries)
            if item.origin == f"o{i}"
        )
        assert len(got) == len(entries)
        assert all(ok for _, ok in got)
