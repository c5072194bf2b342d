"""Search: the only package that imports whoosh, and only in the Whoosh backend's modules
(`whoosh_backend`, `schema`, `store`, `docsets`); the PostgreSQL backend (`postgres_backend` and
the `pg_` modules) and the modules both share run without it.

The rest of the product uses this interface:

- `listing_changed(session, listing_id)`: (re)index a listing after the session commits, for
  changes the ORM does not see (Core UPDATE statements). ORM changes are followed on their own.
- `search(query)` in `marketplace.search.services`: a `SearchQuery` in, a page of listings
  re-checked against the database out.
- `register_search(app)`: binds the backend, the session hooks and nothing else.
"""

from __future__ import annotations

from marketplace.search.indexing import listing_changed, register_search

__all__ = ["listing_changed", "register_search"]
