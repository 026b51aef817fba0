"""X (Twitter): the data archive (archive) and Twitter API v2 JSONL (api_v2)."""
