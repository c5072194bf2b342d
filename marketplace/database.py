"""The declarative base and the column shapes every model shares.

Also the SQLite connection policy: WAL so readers never wait for a writer, and BEGIN IMMEDIATE
for transactions that may write, because a deferred transaction that later upgrades to a write
lock fails at once with "database is locked" instead of waiting for the busy timeout.

And PostgreSQL's timeouts: how long a connection may take to open, a statement to run, a
checkout to wait for a free connection, and the client to wait for any answer at all, so that
a database that is down or hung costs a request seconds, never a worker; and which errors mean
that the database cannot be reached (an outage) rather than that one statement failed.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import psycopg
import sqlalchemy as sa
from psycopg.abc import PQGen
from psycopg.errors import _WaitTimeout
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry, scoped_session

from marketplace.core.clock import utcnow
from marketplace.core.outages import DATABASE, Outages, short_reason

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


@dataclass(frozen=True)
class Timeouts:
    """PostgreSQL's timeouts, in seconds, from the DATABASE_* settings."""

    connect: int
    statement: float  # 0: none
    pool: float
    keepalives_idle: int
    keepalives_interval: int
    keepalives_count: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Timeouts:
        return cls(
            connect=int(config["DATABASE_CONNECT_TIMEOUT"]),
            statement=float(config["DATABASE_STATEMENT_TIMEOUT"]),
            pool=float(config["DATABASE_POOL_TIMEOUT"]),
            keepalives_idle=int(config["DATABASE_KEEPALIVES_IDLE"]),
            keepalives_interval=int(config["DATABASE_KEEPALIVES_INTERVAL"]),
            keepalives_count=int(config["DATABASE_KEEPALIVES_COUNT"]),
        )

    @property
    def statement_ms(self) -> int:
        return max(0, round(self.statement * 1000))

    def answer(self, statement_ms: int) -> float | None:
        """How long the client waits for the answer to a statement: the server's own limit,
        and then as long as a connection may take to open, for its error to arrive; a server
        silent past that is hung, or the network between is."""
        return statement_ms / 1000 + self.connect if statement_ms else None


def is_postgresql(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "postgresql"


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options: a ping before each checkout (a connection the server dropped is
    replaced, not handed out), and on PostgreSQL the timeouts. SQLite has its busy timeout
    (configure_sqlite). SQLALCHEMY_ENGINE_OPTIONS, when given, has the last word."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    if is_postgresql(url):
        timeouts = Timeouts.from_config(config)
        given = sa.engine.make_url(url).query.get("options")
        server_options = [given] if isinstance(given, str) else list(given or ())
        if timeouts.statement_ms:
            server_options.append(f"-c statement_timeout={timeouts.statement_ms}")
        options["pool_timeout"] = timeouts.pool
        options["connect_args"] = {
            "connect_timeout": timeouts.connect,
            # A server or network gone silent while a pooled connection sleeps is found out
            # by the kernel, not by the next request.
            "keepalives": 1,
            "keepalives_idle": timeouts.keepalives_idle,
            "keepalives_interval": timeouts.keepalives_interval,
            "keepalives_count": timeouts.keepalives_count,
        }
        if server_options:
            options["connect_args"]["options"] = " ".join(server_options)
    options.update(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    return options


RV = TypeVar("RV")
_WAIT_INTERVAL = 0.1  # psycopg's own: how often a wait wakes up to notice Ctrl-C


class ServerSilent(psycopg.OperationalError):
    """The server, or the network to it, stopped answering in the middle of an exchange."""


class AnsweringConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for a server that does not answer.

    libpq waits for an answer for as long as the socket stays open, and a hung server, or a
    proxy in front of one, keeps it open: keepalives are answered by the kernel and a statement
    timeout by the server, so neither ends that wait. Every exchange with the server goes
    through `wait`, which here gives up after `answer_timeout` seconds."""

    answer_timeout: float | None = None

    def wait(
        self, gen: PQGen[RV], interval: float = _WAIT_INTERVAL, timeout: float | None = None
    ) -> RV:
        limit = self.answer_timeout if timeout is None else timeout
        try:
            return super().wait(gen, interval, limit)
        except _WaitTimeout:
            if timeout is not None:
                raise  # psycopg's own deadline (notifies, cancellation): psycopg handles it
            # The exchange stopped half-way, so the connection can never be used again;
            # closed, it is recognised as a lost connection and replaced.
            self.pgconn.finish()
            raise ServerSilent(f"the database server did not answer within {limit:g} s") from None


_unhurried: ContextVar[bool] = ContextVar("unhurried_statements", default=False)


@contextmanager
def unhurried() -> Iterator[None]:
    """Statements without the statement timeout, for operator commands that rebuild or
    migrate whole tables (an index over every listing may take minutes); connections taken
    from the pool meanwhile have none, and the client waits for them as long as it takes."""
    marker = _unhurried.set(True)
    try:
        yield
    finally:
        _unhurried.reset(marker)


STATEMENT_TIMEOUT_KEY = "statement_timeout_ms"


def configure_postgresql(engine: Engine, timeouts: Timeouts) -> None:
    @sa.event.listens_for(engine, "do_connect")
    def connect(_dialect: Dialect, _record: Any, cargs: Any, cparams: Any) -> Any:
        connection = AnsweringConnection.connect(*cargs, **cparams)
        connection.answer_timeout = timeouts.connect
        return connection

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # The ping before this waited as long as a connection may take to open; the statements
        # that follow wait for their own limit.
        wanted = 0 if _unhurried.get() else timeouts.statement_ms
        if record.info.get(STATEMENT_TIMEOUT_KEY, timeouts.statement_ms) != wanted:
            dbapi_connection.answer_timeout = timeouts.connect
            dbapi_connection.execute(f"SET statement_timeout = {int(wanted)}")
            dbapi_connection.commit()  # a SET rolled back with the first transaction is undone
            record.info[STATEMENT_TIMEOUT_KEY] = wanted
        dbapi_connection.answer_timeout = timeouts.answer(wanted)

    @sa.event.listens_for(engine, "reset")
    def on_reset(dbapi_connection: Any, _record: Any, _state: Any) -> None:
        # The rollback of a returned connection, and the next checkout's ping, are short
        # exchanges: a server that takes longer is not there.
        dbapi_connection.answer_timeout = timeouts.connect


def unreachable_reason(error: BaseException) -> str | None:
    """Why the database cannot be used at all, when `error` or what led to it says so (refused,
    lost or silent connections, no free connection in the pool); None when one statement failed
    on a working database (a constraint, a deadlock, its own timeout)."""
    current: BaseException | None = error
    for _ in range(5):
        if current is None:
            return None
        reason = _unreachable(current)
        if reason is not None:
            return reason
        current = current.__cause__ or current.__context__
    return None


# Server states that end or refuse connections: administrator or crash shutdown, starting up,
# too many connections. Class 08 is the connection exceptions.
_CONNECTION_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _unreachable(error: BaseException) -> str | None:
    if isinstance(error, sa.exc.TimeoutError):  # the pool's: every connection is in use
        return short_reason(error).partition(" (Background")[0]
    if isinstance(error, sa.exc.DisconnectionError):
        return short_reason(error)
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    cause = error.orig
    if error.connection_invalidated:
        return short_reason(cause or error)
    if isinstance(cause, psycopg.Error):
        state = cause.sqlstate
        if state is None and isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
            return short_reason(cause)  # raised by the client: connecting, or the socket
        if state is not None and (state.startswith("08") or state in _CONNECTION_STATES):
            return short_reason(cause)
    return None


def watch_outages(engine: Engine, outages: Outages) -> None:
    """Tell `outages` when the database cannot be reached, wherever that is found (a request,
    a duty, a background thread), and when a connection is handed out again."""

    @sa.event.listens_for(engine, "handle_error")
    def on_error(context: sa.engine.ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # a pooled connection the server dropped; a fresh one is tried next
        reason = unreachable_reason(context.sqlalchemy_exception or context.original_exception)
        if reason is None:
            return
        outages.noticed(DATABASE, reason)
        # No connection: opening one failed. Unlike a connection lost on its own, that, and
        # a server gone silent, is what the next request would meet too.
        if context.connection is None or isinstance(context.original_exception, ServerSilent):
            outages.unanswered(DATABASE)

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        outages.recovered(DATABASE)


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
