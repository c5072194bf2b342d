"""Fixtures: an app per test on SQLite (and on PostgreSQL too when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.auth import services as auth_services
from marketplace.core.clock import today_in_finland
from marketplace.database import intend_writes, restore_intent
from marketplace.extensions import db
from marketplace.listings.photo_processing import PreparedPhoto, prepare_photo
from marketplace.listings.services import ListingDetails, create_listing
from marketplace.models import (
    Category,
    Condition,
    Language,
    Listing,
    ListingKind,
    MemberRole,
    Organisation,
    OrganisationKind,
    PriceModel,
    Role,
    Site,
    Unit,
    User,
)
from marketplace.organisations import services as organisation_services
from marketplace.search.indexing import extension
from marketplace.sites import services as site_services
from marketplace.sites.services import SiteDetails
from tests import fast_apps
from tests.support import PASSWORD, Client, business_id, jpeg

# Partners, API keys and local HTTP servers, used by the API, partner and alert tests.
pytest_plugins = ("tests.partners.fixtures",)

fast_apps.install()

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
DATABASES = ["sqlite", "postgresql"] if TEST_DATABASE_URL else ["sqlite"]
# Tests marked `search` run a third time on PostgreSQL with the PostgreSQL search backend; the
# other variants search with Whoosh (that backend refuses SQLite).
POSTGRES_SEARCH = "postgresql-search"
# Reference data seeded by migrations stays; tests that add to it remove what they added.
KEEP_TABLES = {"alembic_version", "categories"}


def postgres_url() -> str:
    url = TEST_DATABASE_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def base_config(instance: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Cheap hashing keeps the suite fast; production keeps argon2-cffi's defaults.
        "AUTH_ARGON2_TIME_COST": 1,
        "AUTH_ARGON2_MEMORY_KIB": 64,
        "MAIL_SERVER": "",
        "NOTIFICATIONS_DELIVERY": "inline",
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "SEARCH_BACKEND": "whoosh",
        "UPLOAD_DIR": str(instance / "uploads"),
    }


def migrate_to_head(instance: Path, database_url: str) -> None:
    app = create_app(base_config(instance, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test: migrating once keeps tests fast."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    migrate_to_head(folder / "instance", f"sqlite:///{path}")
    return path


def worker_database(url: str) -> str:
    """Each pytest-xdist worker gets a database of its own, named after the given one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = sa.engine.make_url(url)
    name = f"{given.database}_{worker}"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
        if connection.scalar(exists, {"name": name}) is None:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = worker_database(postgres_url())
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
        # A test's commits need not reach the disk before it goes on: a crash loses nothing
        # a test needs, and each of the suite's thousands of commits would otherwise wait for
        # a flush of the write-ahead log. Visibility and locking are unchanged.
        name = connection.scalar(sa.text("SELECT current_database()"))
        connection.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    migrate_to_head(tmp_path_factory.mktemp("postgres") / "instance", url)
    yield url
    emptier = _emptiers.pop(url, None)
    if emptier is not None:
        emptier.engine.dispose()


class PostgresEmptier:
    """Empties the test database after each test. DELETE in foreign-key order costs a few
    milliseconds where TRUNCATE of every table costs about a tenth of a second (it replaces
    each table's files); sequences restart so that ids begin at 1 as on a fresh database."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_size=1)
        self.tables: frozenset[str] = frozenset()
        self.order: list[str] = []

    def _refresh_order(self, connection: sa.Connection, tables: frozenset[str]) -> None:
        metadata = sa.MetaData()
        metadata.reflect(connection, only=sorted(tables))
        # Some tables name each other (a suspended user names the decision, which names the
        # user); the keys that close such a circle set null, so they need no place in the order.
        ordered = sa.schema.sort_tables(
            metadata.tables.values(), skip_fn=lambda key: key.ondelete == "SET NULL"
        )
        self.order = [table.name for table in reversed(ordered) if table.name not in KEEP_TABLES]
        self.tables = tables

    def empty(self) -> None:
        with self.engine.begin() as connection:
            tables = frozenset(
                connection.scalars(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
            )
            if tables != self.tables:
                self._refresh_order(connection, tables)
            for name in self.order:
                connection.execute(sa.delete(sa.table(name)))
            connection.execute(RESTART_SEQUENCES, {"tables": self.order})


RESTART_SEQUENCES = sa.text(
    """
    SELECT setval(sequence.oid::regclass, 1, false)
    FROM pg_class AS sequence
    JOIN pg_depend AS owner ON owner.objid = sequence.oid AND owner.deptype IN ('a', 'i')
    JOIN pg_class AS owning ON owning.oid = owner.refobjid
    WHERE sequence.relkind = 'S' AND owning.relname = ANY(:tables)
    """
)
_emptiers: dict[str, PostgresEmptier] = {}


def empty_postgres(url: str) -> None:
    emptier = _emptiers.get(url)
    if emptier is None:
        emptier = _emptiers[url] = PostgresEmptier(url)
    emptier.empty()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than there are cores. Much of a test is spent waiting (for
    PostgreSQL, a server thread, a browser, a child process), and with one worker per core
    the cores stand idle for about a fifth of the run; a third worker on two cores fills
    those waits."""
    return (os.cpu_count() or 1) + 1


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses a database runs once per database (and, when marked `search`,
    once more with the PostgreSQL search backend), unless it chooses its own."""
    if "database_url" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "database_url" in (names.split(",") if isinstance(names, str) else names):
            return
    variants = list(DATABASES)
    if TEST_DATABASE_URL and metafunc.definition.get_closest_marker("search"):
        variants.append(POSTGRES_SEARCH)
    metafunc.parametrize("database_url", variants, indirect=True)


def database_variant(request: pytest.FixtureRequest) -> str:
    callspec = getattr(request.node, "callspec", None)
    return str(callspec.params.get("database_url", "")) if callspec else ""


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "marketplace.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_database")
        yield url
        empty_postgres(url)


@pytest.fixture
def app_config(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> dict[str, Any]:
    """Tests that need other settings change this dict before asking for `app`."""
    config = base_config(tmp_path / "instance", database_url)
    if database_variant(request) == POSTGRES_SEARCH:
        config["SEARCH_BACKEND"] = "postgres"
    return config


@pytest.fixture
def app(request: pytest.FixtureRequest, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    fast_apps.share_templates(app)
    app.test_client_class = Client
    unmarked_search = None
    if request.node.get_closest_marker("search") is None:
        unmarked_search = UnmarkedSearch(extension(app).backend)
    # The test body reads between requests; on SQLite an IMMEDIATE transaction left open by a
    # lazy load would hold the write lock against the live server's requests.
    marker = intend_writes(False)
    with app.app_context():
        yield app
        # The index writer thread finishes before the database is emptied: a TRUNCATE of
        # the PostgreSQL backend's tables while it writes them can deadlock with it.
        extension(app).sync.drain(timeout=30)
        db.session.remove()
        db.engine.dispose()
    restore_intent(marker)
    if unmarked_search is not None and unmarked_search.queries:
        pytest.fail(
            f"this test searches ({unmarked_search.queries[0]}) but is not marked `search`: "
            "mark it (pytestmark = pytest.mark.search) so that it runs on both search backends",
            pytrace=False,
        )


class UnmarkedSearch:
    """Notes searches by a test not marked `search`: such a test would never run on the
    PostgreSQL search backend, whose behaviour its outcome depends on."""

    def __init__(self, backend: Any) -> None:
        self.queries: list[str] = []
        search = backend.search

        def noted(*args: Any, **kwargs: Any) -> Any:
            self.queries.append(repr(args[0] if args else kwargs)[:120])
            return search(*args, **kwargs)

        backend.search = noted


@pytest.fixture
def client(app: Flask) -> Client:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def new_client(app: Flask) -> Callable[..., Client]:
    """Another browser, optionally from another IP address."""

    def make(ip: str = "127.0.0.1") -> Client:
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = ip
        return browser  # type: ignore[return-value]

    return make


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    numbers = count(1)

    def make(
        email: str | None = None,
        name: str | None = None,
        password: str = PASSWORD,
        role: Role = Role.MEMBER,
        locale: Language = Language.EN,
    ) -> User:
        number = next(numbers)
        return auth_services.create_user(
            email or f"user{number}@example.fi",
            name or f"User {number}",
            password,
            locale,
            role,
            accepted_terms=True,
        )

    return make


@pytest.fixture
def make_organisation(app: Flask, make_user: Callable[..., User]) -> Callable[..., Organisation]:
    def make(
        owner: User | None = None,
        name: str = "Rakennus Testi Oy",
        kind: OrganisationKind = OrganisationKind.CONTRACTOR,
        members: tuple[User, ...] = (),
        verified: bool = False,
    ) -> Organisation:
        owner = owner or make_user()
        organisation = organisation_services.create_organisation(
            owner, name, kind, business_id(), verified=verified
        )
        for member in members:
            organisation_services.add_member(organisation, owner, member.email, MemberRole.MEMBER)
        return organisation

    return make


KERA = SiteDetails("Kera työmaa", "Keranportti 3", "02650", "Espoo", 60.2172, 24.7535)


@pytest.fixture
def make_site(app: Flask) -> Callable[..., Site]:
    def make(
        owner: User, organisation: Organisation | None = None, details: SiteDetails = KERA
    ) -> Site:
        return site_services.create_site(owner, details, organisation)

    return make


@pytest.fixture
def category(app: Flask) -> Callable[[str], Category]:
    def find(slug: str) -> Category:
        found = db.session.scalar(sa.select(Category).where(Category.slug == slug))
        assert found is not None, slug
        return found

    return find


@pytest.fixture
def details(category: Callable[[str], Category]) -> Callable[..., ListingDetails]:
    """Bricks offered free from the given site; change any field with keywords."""

    def make(site: Site, **changes: Any) -> ListingDetails:
        base = ListingDetails(
            kind=ListingKind.MATERIAL,
            site_id=site.id,
            category_id=category("common-bricks").id,
            title="Punatiilet, 500 kpl",
            description="Ehjiä punatiiliä lavoilla.",
            language=Language.FI,
            condition=Condition.GOOD,
            unit=Unit.PCS,
            quantity=Decimal(500),
            available_from=today_in_finland(),
            available_until=today_in_finland() + timedelta(days=30),
        )
        return replace(base, **changes)

    return make


@cache
def prepared_photo(number: int) -> PreparedPhoto:
    """The `number`th test photo, checked and resized once per session: the result depends on
    the bytes alone, and it is only read."""
    return prepare_photo(jpeg(colour=(40 * number, 100, 120)))


@pytest.fixture
def make_listing(
    app: Flask,
    make_user: Callable[..., User],
    make_site: Callable[..., Site],
    details: Callable[..., ListingDetails],
) -> Callable[..., Listing]:
    def make(
        owner: User | None = None,
        site: Site | None = None,
        publish: bool = True,
        photos: int = 0,
        **changes: Any,
    ) -> Listing:
        owner = owner or make_user()
        site = site or make_site(owner)
        prepared = [prepared_photo(n) for n in range(photos)]
        return create_listing(owner, details(site, **changes), photos=prepared, publish=publish)

    return make


@pytest.fixture
def make_rental(
    make_listing: Callable[..., Listing], category: Callable[[str], Category]
) -> Callable[..., Listing]:
    """Scaffolding for rent: three sets, 45 € a day, 180 € a week, at least two days."""

    def make(owner: User, **changes: Any) -> Listing:
        rental: dict[str, Any] = {
            "kind": ListingKind.EQUIPMENT,
            "category_id": category("facade-scaffolding").id,
            "title": "Julkisivuteline",
            "unit": Unit.SET,
            "quantity": Decimal(3),
            "price_model": PriceModel.RENTAL,
            "price_cents": 4500,
            "week_price_cents": 18000,
            "deposit_cents": 20000,
            "min_rental_days": 2,
            "available_until": today_in_finland() + timedelta(days=120),
        }
        return make_listing(owner=owner, **{**rental, **changes})

    return make


class CollectingHandler:
    """Keeps every message a real SMTP server on 127.0.0.1 received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(app_config: dict[str, Any]) -> Iterator[CollectingHandler]:
    from aiosmtpd.controller import Controller

    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app_config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
    yield handler
    controller.stop()
