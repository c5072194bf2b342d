"""Many service calls, each its own savepoint, inside one database transaction.

A partner batch applies up to a thousand items, each through the listing services, each on
its own: one bad item must not undo the others. The services end with `commit()`, and a
commit per item costs a disk sync and a search-index write per item (18 ms on SQLite, against
3 ms for the work itself). So for the length of a batch `db.session` is swapped for a session
joined to one outer transaction in SQLAlchemy's "create_savepoint" mode: a service's
`commit()` releases the item's savepoint, its `rollback()` returns to it, and the outer
transaction commits once at the end.

The after-commit side effects the services register (search indexing, e-mail, webhook
wake-ups) must wait for that real commit. SQLAlchemy announces every savepoint release as a
commit, so this session takes the registered actions aside before `marketplace.database` runs
them, and runs them once the outer transaction has committed; on a rollback they are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.extensions import db

logger = logging.getLogger(__name__)

HELD = "partners_held_after_commit"


class SavepointSession(Session):
    """A session whose commits are savepoint releases inside a transaction it does not own."""


def _hold_side_effects(session: Session) -> None:
    held = session.info.setdefault(HELD, [])
    held.extend(session.info.pop("after_commit", []))
    session.info.pop("after_commit_keys", None)


# insert=True: before marketplace.database's own after_commit listener, which would run them.
sa.event.listen(SavepointSession, "after_commit", _hold_side_effects, insert=True)


def _run(actions: list[Callable[[], None]]) -> None:
    for action in actions:
        try:
            action()
        except Exception:
            logger.exception("after-commit action %r failed", action)


@contextmanager
def one_transaction(on_rollback: Callable[[], None] | None = None) -> Iterator[Session]:
    """`db.session` is, within the block, a session whose commits are savepoints; everything
    commits when the block ends normally and nothing does when it raises."""
    db.session.commit()  # end the request's own transaction: on SQLite it would hold the lock
    registry: Any = db.session.registry
    previous = registry() if registry.has() else None
    connection = db.engine.connect()
    outer = connection.begin()
    session = SavepointSession(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    registry.set(session)
    try:
        yield session
        session.commit()
        held: list[Callable[[], None]] = session.info.pop(HELD, [])
        outer.commit()
    except BaseException:
        outer.rollback()
        if on_rollback is not None:
            on_rollback()
        raise
    finally:
        session.close()
        connection.close()
        _restore(registry, previous)
    _run(held)


def _restore(registry: Any, previous: Session | None) -> None:
    if previous is not None:
        registry.set(previous)
    else:
        registry.clear()
