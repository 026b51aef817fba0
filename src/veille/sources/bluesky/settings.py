"""``[sources.bluesky]`` in ``veille.toml``: read by the AppView poller (``bluesky``) and the
Jetstream stream (``bluesky-stream``)."""

from __future__ import annotations

from pydantic import Field

from veille.sources.base import SourceSettings

DEFAULT_APPVIEW = "https://public.api.bsky.app"
DEFAULT_JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"


class BlueskySettings(SourceSettings):
    appview_url: str = Field(default=DEFAULT_APPVIEW, description="The public AppView.")
    jetstream_url: str = Field(
        default=DEFAULT_JETSTREAM,
        description="Jetstream: a v1 URL ending in /subscribe, or a v2 endpoint.",
    )
    listen_all_posts: bool = Field(
        default=False,
        description="Stream every post of the network (keyword listening), not only the "
        "tracked accounts'.",
    )
