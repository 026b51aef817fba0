"""How data moves: ingest (raw log, mapping, the store), collect and the run loop, the enrich
driver, rebuild, forget, retention, and the erasure of tombstoned content."""
