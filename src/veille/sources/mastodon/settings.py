"""``[sources.mastodon]`` in ``veille.toml``: read by the REST poller (``mastodon-live``)
and the streaming API (``mastodon-stream``). Tokens are read from the environment variable
each instance names, never from the file."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from veille.sources.base import SourceSettings


class MastodonInstance(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        pattern=r"^https?://", description="The instance, e.g. https://mastodon.social"
    )
    token_env: str | None = Field(
        default=None,
        description="Environment variable holding its token (default: VEILLE_<HOST>_TOKEN).",
    )
    streaming: bool = Field(default=True, description="Use its streaming API.")


class MastodonSettings(SourceSettings):
    instances: list[MastodonInstance] = Field(default=[], description="Instances to read.")
    hashtags: list[str] = Field(default=[], description="Hashtags to follow on them.")
