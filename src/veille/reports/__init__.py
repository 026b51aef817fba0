"""The leader's daily tools (C10, C11): the digest of the best leaders' posts, the
pre-publication check of a draft, and reports. Surfaces: they read through
``veille.analytics`` and ``veille.store``, never SQL of their own."""
