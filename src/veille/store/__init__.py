"""The store: DuckDB tables of DESIGN.md, written through one writer."""

from veille.store.store import Store, WriteResult

__all__ = ["Store", "WriteResult"]
