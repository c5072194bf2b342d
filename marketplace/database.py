"""The declarative base and the column shapes every model shares.

Also the SQLite connection policy: WAL so readers never wait for a writer, and BEGIN IMMEDIATE
for transactions that may write, because a deferred transaction that later upgrades to a write
lock fails at once with "database is locked" instead of waiting for the busy timeout.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry, scoped_session

from marketplace.core.clock import utcnow

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database; SQLite would otherwise drop the zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ScaledDecimal(sa.TypeDecorator[Decimal]):
    """An exact decimal stored as a scaled integer (3 places: thousandths).

    SQLite has no exact decimal type, and stock arithmetic must be exact on every database:
    `available >= :n` and `available - :n` then compare and subtract whole integers.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, places: int = 3) -> None:
        super().__init__()
        self.places = places
        self.factor = Decimal(10) ** places

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * self.factor
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value) / self.factor

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def _enum_values(enum_class: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


class Base(DeclarativeBase):
    # Flask-SQLAlchemy 3.1 ignores a type_annotation_map set on the class; a registry carries it.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            date: sa.Date(),
            Decimal: ScaledDecimal(3),
            enum.StrEnum: sa.Enum(
                enum.StrEnum,
                native_enum=False,
                length=32,
                values_callable=_enum_values,
                validate_strings=True,
            ),
            dict[str, Any]: sa.JSON(),
        },
    )


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[datetime, mapped_column(default=utcnow)]
updated_at = Annotated[datetime, mapped_column(default=utcnow, onupdate=utcnow)]


_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


def intend_writes(writes: bool) -> Token[bool]:
    """From here on, SQLite transactions begin IMMEDIATE (may write) or deferred (only read,
    so that many readers run side by side). Returns a token for `restore_intent`."""
    return _write_intent.set(writes)


def restore_intent(marker: Token[bool]) -> None:
    _write_intent.reset(marker)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    marker = intend_writes(False)
    try:
        yield
    finally:
        restore_intent(marker)


def configure_sqlite(engine: Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that our BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def after_commit(
    session: Session | scoped_session[Any], action: Callable[[], None], key: str | None = None
) -> None:
    """Run `action` once the session's current transaction commits; forget it on rollback.
    With a `key`, only the first action registered under it in a transaction is kept."""
    if key is not None:
        keys = session.info.setdefault("after_commit_keys", set())
        if key in keys:
            return
        keys.add(key)
    session.info.setdefault("after_commit", []).append(action)


def _run_after_commit(session: Session) -> None:
    session.info.pop("after_commit_keys", None)
    actions = session.info.pop("after_commit", [])
    for action in actions:
        try:
            action()
        except Exception:
            # The data is committed; a failed side effect must not turn the answer into an
            # error. Each side effect has its own repair path (outbox retries, search check).
            logger.exception("after-commit action %r failed", action)


def _forget_after_commit(session: Session, *_args: Any) -> None:
    session.info.pop("after_commit", None)
    session.info.pop("after_commit_keys", None)


def commit_keeping_loaded(session: Session | scoped_session[Any]) -> None:
    """Commit without expiring the objects the session holds.

    For write paths that change only rows whose new values they set on those objects
    themselves: reloading everything the caller had loaded costs more than the write."""
    current = session() if isinstance(session, scoped_session) else session
    expire = current.expire_on_commit
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expire


def install_session_hooks(session_class: type[Session] | Any) -> None:
    sa.event.listen(session_class, "after_commit", _run_after_commit)
    sa.event.listen(session_class, "after_rollback", _forget_after_commit)
