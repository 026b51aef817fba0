"""Signals: bursts of terms, emerging stories, rumours, bad buzz and coordinated campaigns.

``burst`` is the incremental burst detector (pure, no store); ``model`` the ``Signal`` that
every detector reports and the alerts deliver."""
