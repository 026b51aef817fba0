"""veille: self-hosted, French-first social intelligence for leaders."""

__version__ = "0.1.0"
