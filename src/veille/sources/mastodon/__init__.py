"""Mastodon: the REST API (poller), the streaming API (stream), and the importer of saved
statuses (statuses)."""
