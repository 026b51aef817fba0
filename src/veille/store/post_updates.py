"""What a batch of posts changes in the posts already stored, inside the writer's
transaction (``Store.write_records``), after the batch's new posts are inserted:

- **later versions of an edited post.** On X an edit is a new tweet id under the original
  tweet's URI (``edit_history_tweet_ids``; ``sources/x/api_v2.py``): a post arriving with
  the URI of a stored one, another ``post_id`` and a later ``created_at`` is a later
  version, and replaces the stored content (its enrichments and matches are dropped, to be
  written again from the batch's or by ``veille enrich``). An earlier version arriving
  after a later one changes nothing. Whatever the order of the lines, files and imports
  that carry the versions, one post remains: the latest. Only networks that edit this way
  are looked at (``NEW_ID_EDITS``), so other writes pay nothing.
- **Mastodon reply parents named by a locator.** A Mastodon reply knows only its parent's
  id on the instance it came from; when the parent was not in the same response, its
  ``reply_to`` is the locator ``{instance}/api/v1/statuses/{id}``
  (``sources/mastodon/statuses.py``). Once the parent is stored (before or after the
  reply) the locator becomes the parent's URI: a stored Mastodon post with that id, the
  one on the locator's instance when several have it, none when that stays ambiguous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import duckdb

#: Networks where an edit is a new post id under the first version's URI.
NEW_ID_EDITS = frozenset({"x"})

#: ``{scheme://host}/api/v1/statuses/{id}``: what a Mastodon reply names when it cannot
#: name its parent's URI.
LOCATOR = r"^(https?://[^/]+)/api/v1/statuses/([^/?#]+)$"


def later_version(new_id: str, new_at: object, old_id: str, old_at: object) -> bool:
    """Whether a post (``new_id``, ``new_at``) is a later version of a post of the same URI
    (``old_id``, ``old_at``): another id, created later."""
    return new_id != old_id and new_at > old_at  # type: ignore[operator]


def replace_later_versions(
    con: duckdb.DuckDBPyConnection, batch: pa.Table, not_deleted: str
) -> list[str]:
    """Replace the stored posts of which ``batch`` holds a later version; returns their
    URIs (their enrichments, labels, matches and markers are gone). ``not_deleted`` is the
    condition on ``b`` that keeps tombstoned posts and authors out."""
    from veille.store.store import registered

    versioned = batch.filter(pc.is_in(batch.column("network"), pa.array(sorted(NEW_ID_EDITS))))
    if not versioned.num_rows:
        return []
    columns = [c for c in versioned.schema.names if c != "uri"]
    assign = ", ".join(f"{c} = b.{c}" for c in columns)
    with registered(con, "veille_versions", versioned):
        uris = [
            str(row[0])
            for row in con.execute(
                f"""UPDATE posts SET {assign} FROM veille_versions b
                    WHERE posts.uri = b.uri AND posts.post_id <> b.post_id
                        AND b.created_at > posts.created_at AND posts.deleted_at IS NULL
                        AND ({not_deleted})
                    RETURNING posts.uri"""
            ).fetchall()
        ]
    if uris:
        again = pa.table({"uri": pa.array(uris, pa.string())})
        with registered(con, "veille_again", again):
            for table in ("enrichments", "matches", "enriched", "post_labels"):
                con.execute(f"DELETE FROM {table} WHERE uri IN (SELECT uri FROM veille_again)")
    return uris


def resolve_reply_locators(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> pa.Table | None:
    """Name the parent's URI in the Mastodon replies that hold a locator, where the reply
    or its parent is in ``batch``; returns the replies that changed (uri, created_at,
    author_id: their links are recomputed, ``store/links.py``), None when none could."""
    from veille.store.store import registered

    mastodon = batch.filter(pc.equal(batch.column("network"), "mastodon"))
    if not mastodon.num_rows:
        return None
    keys = mastodon.select(["uri", "post_id"])
    with registered(con, "veille_mastodon", keys):
        rows = con.execute(
            f"""WITH loc AS (
                    SELECT r.uri AS reply,
                        regexp_extract(r.reply_to, '{LOCATOR}', 1) AS base,
                        regexp_extract(r.reply_to, '{LOCATOR}', 2) AS parent_id
                    FROM posts r
                    WHERE r.network = 'mastodon' AND r.reply_to LIKE '%/api/v1/statuses/%'
                        AND regexp_matches(r.reply_to, '{LOCATOR}')
                ),
                wanted AS (
                    SELECT * FROM loc
                    WHERE reply IN (SELECT uri FROM veille_mastodon)
                        OR parent_id IN (SELECT post_id FROM veille_mastodon)
                ),
                found AS (
                    SELECT w.reply, p.uri, starts_with(p.uri, w.base || '/') AS local
                    FROM wanted w JOIN posts p
                        ON p.network = 'mastodon' AND p.post_id = w.parent_id
                            AND p.uri <> w.reply
                ),
                pick AS (
                    SELECT reply,
                        CASE
                            WHEN count(*) FILTER (WHERE local) = 1
                                THEN max(uri) FILTER (WHERE local)
                            WHEN count(*) = 1 THEN max(uri)
                        END AS parent
                    FROM found GROUP BY reply
                )
                UPDATE posts SET reply_to = pick.parent FROM pick
                WHERE posts.uri = pick.reply AND pick.parent IS NOT NULL
                RETURNING posts.uri, posts.created_at, posts.author_id"""
        ).fetchall()
    if not rows:
        return None
    uris, times, authors = zip(*rows, strict=True)
    return pa.table(
        {
            "uri": pa.array(uris, pa.string()),
            "created_at": pa.array(times, pa.timestamp("us", "UTC")),
            "author_id": pa.array(authors, pa.string()),
        }
    )
