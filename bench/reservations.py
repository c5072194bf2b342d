"""Reservations per second with concurrent workers, through the service layer, compared with
a bare conditional UPDATE on the same database in the same run (the ceiling for this work).

    .venv/bin/python bench/reservations.py [--seconds 4] [--rounds 3] [--workers 8]
        [--postgres postgresql://postgres@127.0.0.1:5432/marketplace_bench]

Prints the median rate of each, their ratio, and the stock invariant checked afterwards
(available = total − held, never below zero). Two more figures show how much of the gap is
the database's own work rather than the service's:
- the stock UPDATE and the reservation INSERT alone, as prepared Core statements;
- the driver floor: the service's whole write (stock, reservation, notice, audit entry) and
  the bare UPDATE, each sent straight through the database driver on a connection kept
  open, with the values converted beforehand. No pool, no SQLAlchemy, no Python service:
  the ratio of these two is the most any service could reach on that database with one
  transaction per reservation, as the bare UPDATE has.
Machines here are noisy: compare the ratios, not the absolute numbers, across runs.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from databases import fresh_postgres
from flask import Flask
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.auth import services as auth_services
from marketplace.categories.services import find_by_slug
from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.listings.services import ListingDetails, create_listing
from marketplace.mail import notifications
from marketplace.models import (
    OCCUPYING,
    Condition,
    Language,
    Listing,
    ListingKind,
    Reservation,
    ReservationStatus,
    Unit,
    User,
    audit,
)
from marketplace.reservations import creation, materials
from marketplace.reservations.codes import new_pickup_code
from marketplace.sites.services import SiteDetails, create_site

STOCK = Decimal(1_000_000)
# Takes one thousandth of a unit (the stored scale) so that the driver's far faster loop
# cannot run the stock out during a run; the statement costs the same whatever it takes.
BARE_UPDATE = sa.text(
    "UPDATE listings SET quantity_available = quantity_available - 1 "
    "WHERE id = :id AND quantity_available >= 1"
)


def make_app(database_url: str, instance: Path) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "AUTH_ARGON2_TIME_COST": 1,
            "AUTH_ARGON2_MEMORY_KIB": 64,
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "UPLOAD_DIR": str(instance / "uploads"),
            # Notifications are still written with each reservation; their e-mails are left
            # to the job, so that mail delivery does not compete with the path measured.
            "NOTIFICATIONS_DELIVERY": "job",
        }
    )


def prepare(app: Flask, workers: int) -> tuple[int, list[int]]:
    """A listing with plenty of stock and one requester per worker."""
    with app.app_context():
        upgrade()
        lister = auth_services.create_user("lister@bench.example", "Lister", "bench password 1")
        site = create_site(lister, SiteDetails("Bench", "Katu 1", "02650", "Espoo", 60.2, 24.7))
        bricks = find_by_slug("common-bricks")
        assert bricks is not None
        today = today_in_finland()
        listing = create_listing(
            lister,
            ListingDetails(
                kind=ListingKind.MATERIAL,
                site_id=site.id,
                category_id=bricks.id,
                title="Benchmark bricks",
                description="",
                language=Language.FI,
                condition=Condition.GOOD,
                unit=Unit.PCS,
                quantity=STOCK,
                available_from=today,
                available_until=today + timedelta(days=30),
            ),
            publish=True,
        )
        people = [
            auth_services.create_user(f"r{n}@bench.example", f"R{n}", "bench password 1")
            for n in range(workers)
        ]
        return listing.id, [person.id for person in people]


def run_threads(workers: int, seconds: float, work: Callable[[int, float], int]) -> float:
    barrier = threading.Barrier(workers + 1)
    counts = [0] * workers
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        barrier.wait()
        try:
            counts[number] = work(number, time.perf_counter() + seconds)
        except BaseException as error:  # a worker that dies must not read as a slow one
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return sum(counts) / (time.perf_counter() - started)


def service_rate(app: Flask, listing_id: int, people: list[int], seconds: float) -> float:
    def work(number: int, deadline: float) -> int:
        done = 0
        with app.app_context():
            person = db.session.get(User, people[number])
            assert person is not None
            pickup = utcnow() + timedelta(days=1)
            while time.perf_counter() < deadline:
                listing = db.session.get(Listing, listing_id)
                assert listing is not None
                materials.reserve_material(
                    person, listing, materials.MaterialRequest(Decimal(1), pickup)
                )
                done += 1
            db.session.remove()
        return done

    return run_threads(len(people), seconds, work)


def bare_rate(app: Flask, listing_id: int, workers: int, seconds: float) -> float:
    """One conditional UPDATE per transaction: the least any safe reservation must do."""

    def work(_number: int, deadline: float) -> int:
        done = 0
        with app.app_context():
            engine = db.engine
            while time.perf_counter() < deadline:
                with engine.begin() as connection:
                    done += connection.execute(BARE_UPDATE, {"id": listing_id}).rowcount
        return done

    return run_threads(workers, seconds, work)


def reservation_row(listing_id: int, requester_id: int, now: datetime) -> dict[str, Any]:
    """A new material reservation's row, written by hand so that the service is left out."""
    return {
        "listing_id": listing_id,
        "requester_id": requester_id,
        "status": ReservationStatus.REQUESTED,
        "quantity": Decimal(1),
        "start_date": None,
        "end_date": None,
        "pickup_at": now,
        "message": "",
        "price_cents": 0,
        "deposit_cents": None,
        "pickup_code": new_pickup_code(),
        "idempotency_key": None,
        "expires_at": now,
        "reason": "",
        "requested_at": now,
        "accepted_at": None,
        "created_at": now,
        "updated_at": now,
    }


def row_rate(app: Flask, listing_id: int, people: list[int], seconds: float) -> float:
    """The stock UPDATE and the reservation INSERT alone, as prepared Core statements in one
    transaction: what any reservation that records who holds what must write, with none of
    the checks, notice or audit entry of the service."""

    def work(number: int, deadline: float) -> int:
        done = 0
        with app.app_context():
            engine = db.engine
            while time.perf_counter() < deadline:
                now = utcnow()
                row = reservation_row(listing_id, people[number], now)
                with engine.begin() as connection:
                    stock = creation.stock_parameters(listing_id, Decimal(1), now)
                    if connection.execute(creation.TAKE_STOCK, stock).first() is not None:
                        connection.execute(creation.INSERT_RESERVATION, row)
                        done += 1
        return done

    return run_threads(len(people), seconds, work)


class DriverStatement:
    """A Core statement compiled once for the driver, with its values converted up front by
    the columns' own types, so that running it costs only the driver and the database."""

    def __init__(self, statement: Any, dialect: Any, values: dict[str, Any]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(values))
        self.sql = str(compiled)
        converted = {}
        for name, bind in compiled.binds.items():
            value = values.get(name, bind.value)
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            converted[name] = processor(value) if processor else value
        positions = compiled.positiontup
        self.parameters = tuple(converted[n] for n in positions) if positions else converted


def driver_rates(
    app: Flask, listing_id: int, people: list[int], seconds: float
) -> tuple[float, float]:
    """(the service's write, the bare UPDATE) per second through the driver alone."""
    with app.app_context():
        dialect = db.engine.dialect
        now = utcnow()
        row = reservation_row(listing_id, people[0], now)
        owner = db.session.get(Listing, listing_id)
        assert owner is not None
        # The same data as the service's notice and audit entry for such a request.
        notice = notifications.notice(
            owner.owner_id,
            "new_request",
            None,
            title=owner.title,
            requester="R0",
            amount=notifications.amount_of(Decimal(1), owner.unit, None, None),
            message="",
            deadline=now.isoformat(),
        )
        entry = audit.entry(
            None, "reservation.created", "reservation", None, listing=listing_id, status="requested"
        )
        entry["actor_id"] = people[0]
        stock = creation.stock_parameters(listing_id, Decimal(1), now)
        bare = DriverStatement(BARE_UPDATE, dialect, {"id": listing_id})
        if dialect.name == "postgresql":
            values = {f"r_{k}": v for k, v in row.items()}
            values.update({f"n_{k}": notice[k] for k in creation.NOTICE})
            values.update({f"a_{k}": entry[k] for k in creation.ENTRY})
            whole = [
                DriverStatement(creation.one_statement(True, True), dialect, {**values, **stock})
            ]
        else:
            whole = [
                DriverStatement(creation.TAKE_STOCK, dialect, stock),
                DriverStatement(creation.INSERT_RESERVATION, dialect, row),
                # An earlier round's first reservation stands in for the new one: the rows
                # are the same size and its foreign key is checked all the same.
                DriverStatement(
                    notifications.INSERT_NOTIFICATION, dialect, {**notice, "reservation_id": 1}
                ),
                DriverStatement(audit.INSERT_EVENT, dialect, {**entry, "object_id": 1}),
            ]
        db.engine.dispose()

    def through_driver(statements: list[DriverStatement]) -> Callable[[int, float], int]:
        first, *rest = statements
        explicit = dialect.name == "sqlite"  # pysqlite is left in autocommit by the app

        def work(_number: int, deadline: float) -> int:
            done = 0
            with app.app_context():
                connection = db.engine.raw_connection()
                cursor = connection.cursor()
                while time.perf_counter() < deadline:
                    if explicit:
                        cursor.execute("BEGIN IMMEDIATE")
                    cursor.execute(first.sql, first.parameters)
                    taken = bool(cursor.fetchall()) if cursor.description else cursor.rowcount == 1
                    if taken:
                        for statement in rest:
                            cursor.execute(statement.sql, statement.parameters)
                            if cursor.description:
                                cursor.fetchall()
                    if explicit:
                        cursor.execute("COMMIT")
                    else:
                        connection.commit()
                    done += taken
                connection.close()
            return done

        return work

    return (
        run_threads(len(people), seconds, through_driver(whole)),
        run_threads(len(people), seconds, through_driver([bare])),
    )


def invariant(app: Flask, listing_id: int) -> tuple[bool, str]:
    with app.app_context():
        total, available = db.session.execute(
            sa.select(Listing.quantity_total, Listing.quantity_available).where(
                Listing.id == listing_id
            )
        ).one()
        held = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Reservation.quantity), 0)).where(
                Reservation.listing_id == listing_id, Reservation.status.in_(OCCUPYING)
            )
        )
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Reservation))
    bare_taken = total - available - Decimal(held)  # what the bare UPDATEs took
    holds = bare_taken >= 0 and available >= 0
    return holds, f"{count} reservations, {held} held, {available} left of {total}"


def measure(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(database_url, Path(folder))
        listing_id, people = prepare(app, args.workers)
        service, rows, bare, driver_write, driver_bare = [], [], [], [], []
        for _ in range(args.rounds):
            service.append(service_rate(app, listing_id, people, args.seconds))
            rows.append(row_rate(app, listing_id, people, args.seconds))
            bare.append(bare_rate(app, listing_id, args.workers, args.seconds))
            write, update = driver_rates(app, listing_id, people, args.seconds)
            driver_write.append(write)
            driver_bare.append(update)
        holds, detail = invariant(app, listing_id)
        with app.app_context():
            db.engine.dispose()
    result = {
        "database": name,
        "service": statistics.median(service),
        "rows": statistics.median(rows),
        "bare": statistics.median(bare),
        "driver_write": statistics.median(driver_write),
        "driver_bare": statistics.median(driver_bare),
        "invariant": holds,
        "detail": detail,
    }
    result["ratio"] = result["service"] / result["bare"]
    result["rows_ratio"] = result["rows"] / result["bare"]
    result["driver_ratio"] = result["driver_write"] / result["driver_bare"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/marketplace_bench"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the e-mails would otherwise be printed to the log
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(measure("SQLite (WAL)", f"sqlite:///{folder}/bench.db", args))
    if not args.skip_postgres:
        results.append(measure("PostgreSQL", fresh_postgres(args.postgres), args))
    print(
        f"{args.workers} workers, {args.rounds} rounds of {args.seconds:g} s, medians; "
        "e-mail delivery left to the job"
    )
    print(
        f"{'database':<14}{'service/s':>10}{'ratio':>7}{'UPDATE+INSERT/s':>17}{'ratio':>7}"
        f"{'bare UPDATE/s':>15}{'driver: write/s':>17}{'bare/s':>9}{'ratio':>7}  invariant"
    )
    for r in results:
        verdict = "holds" if r["invariant"] else "BROKEN"
        print(
            f"{r['database']:<14}{r['service']:>10.0f}{r['ratio']:>7.0%}{r['rows']:>17.0f}"
            f"{r['rows_ratio']:>7.0%}{r['bare']:>15.0f}{r['driver_write']:>17.0f}"
            f"{r['driver_bare']:>9.0f}{r['driver_ratio']:>7.0%}  {verdict} ({r['detail']})"
        )


if __name__ == "__main__":
    main()
