"""Bluesky: the public AppView (poller), Jetstream (stream), and the importers of their saved
responses and captures (appview, jetstream), on the AT Protocol lexicons (atproto)."""
