"""Enrichment stages: pure functions from an Arrow record batch to an Arrow record batch."""
