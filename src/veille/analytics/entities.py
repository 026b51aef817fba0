"""The registry's people and organisations as store accounts.

``entity_accounts`` resolves every account that ``veille.toml`` gives a leader or an
organisation to the ``(network, account_id)`` keys of the store, and hands the result to
the engine as the table ``entity_accounts``:

    kind ('leader' | 'organisation'), entity_id, organisation (the leader's, or the
    organisation itself; may be null), network, account_id, known (in accounts)

A registry account that the store does not know yet is kept with its written form as the
id and ``known = false``, so a leader who has no posts is still listed (as absent or
inactive, with the reason), never dropped. Forgotten accounts (tombstoned) are left out.
Multi-network leaders are one person: every metric groups by ``entity_id``.
"""

from __future__ import annotations

import pyarrow as pa

from veille.analytics.engine import Engine
from veille.workspace.accounts import registry_ident, registry_idents
from veille.workspace.config import VeilleConfig

REGISTRY_IDENTS = "registry_idents"
ENTITY_ACCOUNTS = "entity_accounts"

_IDENTS_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("entity_id", pa.string()),
        ("organisation", pa.string()),
        ("network", pa.string()),
        ("written", pa.string()),
        ("ident", pa.string()),
    ]
)

RESOLVE_SQL = """
WITH found AS (
    SELECT DISTINCT r.kind, r.entity_id, r.organisation, a.network, a.account_id, r.written
    FROM registry_idents r
    JOIN accounts a ON a.network = r.network
     AND (lower(a.account_id) = r.ident OR lower(a.handle) = r.ident
          OR lower(rtrim(a.url, '/')) = r.ident)
),
unknown AS (
    SELECT DISTINCT r.kind, r.entity_id, r.organisation, r.network, r.written AS account_id,
           r.written
    FROM registry_idents r
    WHERE NOT EXISTS (SELECT 1 FROM found f WHERE f.kind = r.kind
                      AND f.entity_id = r.entity_id AND f.network = r.network
                      AND f.written = r.written)
)
SELECT kind, entity_id, organisation, network, account_id, true AS known FROM found
WHERE (network || ':' || account_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
UNION
SELECT kind, entity_id, organisation, network, account_id, false AS known FROM unknown
WHERE (network || ':' || account_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""


def registry_table(config: VeilleConfig) -> pa.Table:
    """One row per (entity, network, written account, lowercase form)."""
    rows: dict[str, list[str | None]] = {name: [] for name in _IDENTS_SCHEMA.names}
    entities = [("leader", x.id, x.organisation, x.accounts) for x in config.leaders] + [
        ("organisation", x.id, x.id, x.accounts) for x in config.organisations
    ]
    for kind, entity_id, organisation, accounts in entities:
        for network, written_list in accounts.items():
            for written in written_list:
                clean = written.strip().lstrip("@") if network != "web" else written.strip()
                for ident in registry_idents(network, written):
                    rows["kind"].append(kind)
                    rows["entity_id"].append(entity_id)
                    rows["organisation"].append(organisation)
                    rows["network"].append(network)
                    rows["written"].append(clean)
                    rows["ident"].append(ident)
    return pa.Table.from_pydict(rows, schema=_IDENTS_SCHEMA)


def register_entities(engine: Engine, config: VeilleConfig) -> pa.Table:
    """Resolve the registry against the store and register ``entity_accounts``."""
    engine.register(REGISTRY_IDENTS, registry_table(config))
    table = engine.query(RESOLVE_SQL)
    engine.register(ENTITY_ACCOUNTS, table)
    return table


__all__ = ["ENTITY_ACCOUNTS", "register_entities", "registry_ident", "registry_table"]
