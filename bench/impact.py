"""How long the impact figures take as handovers pile up: the GROUP BY queries (totals, families,
areas) and the monthly series, which buckets a narrow query in Python (Finnish months).

    .venv/bin/python bench/impact.py [--handovers 50000] [--rounds 5]
        [--postgres postgresql://postgres@127.0.0.1:5432/marketplace_bench]

Seeds one listing per material category at a few sites and the given number of completed
reservations spread over three years (inserted directly: only the reading is measured), then
prints the median milliseconds of each figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.auth import services as auth_services
from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.impact import open_data, services
from marketplace.listings.services import ListingDetails, create_listing
from marketplace.models import Category, CategoryKind, Language, Reservation, ReservationStatus
from marketplace.sites.services import SiteDetails, create_site

PLACES = [("02650", 60.2172, 24.7535), ("02600", 60.2192, 24.8130), ("02100", 60.1757, 24.8049)]


def make_app(database_url: str, instance: Path) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "bench",
            "AUTH_ARGON2_TIME_COST": 1,
            "AUTH_ARGON2_MEMORY_KIB": 64,
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "NOTIFICATIONS_DELIVERY": "job",
            "ALERTS_DELIVERY": "job",
        }
    )


def seed_listings() -> list[int]:
    owner = auth_services.create_user(
        "bench@example.fi", "Bench", "a long bench password", Language.FI
    )
    sites = [
        create_site(owner, SiteDetails(f"Site {code}", "Katu 1", code, "Espoo", lat, lon))
        for code, lat, lon in PLACES
    ]
    categories = db.session.scalars(
        sa.select(Category).where(
            Category.kind == CategoryKind.MATERIAL, Category.parent_id.is_not(None)
        )
    ).all()
    ids = []
    for index, category in enumerate(categories):
        details = ListingDetails(
            kind="material",  # type: ignore[arg-type]
            site_id=sites[index % len(sites)].id,
            category_id=category.id,
            title=f"Bench {category.slug}",
            description="",
            language=Language.FI,
            condition=None,
            unit=category.default_unit,
            quantity=Decimal(1000),
            available_from=today_in_finland(),
        )
        ids.append(create_listing(owner, details, publish=True).id)
    return ids


def seed_handovers(listing_ids: list[int], count: int) -> None:
    random.seed(8)
    requester = auth_services.create_user(
        "taker@example.fi", "Taker", "a long bench password", Language.FI
    )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for number in range(count):
        known = number % 7 != 0
        mass = Decimal(random.randint(1, 2000)) if number % 23 else None
        rows.append(
            {
                "listing_id": random.choice(listing_ids),
                "requester_id": requester.id,
                "status": ReservationStatus.COMPLETED,
                "quantity": Decimal(1),
                "pickup_code": f"{number:08d}",
                "mass_kg": mass,
                "co2e_kg": (mass * Decimal("0.3")).quantize(Decimal("0.1"))
                if mass and known
                else None,
                "completed_at": now - timedelta(minutes=random.randint(0, 3 * 365 * 24 * 60)),
            }
        )
        if len(rows) == 5000:
            db.session.execute(sa.insert(Reservation), rows)
            rows = []
    if rows:
        db.session.execute(sa.insert(Reservation), rows)
    db.session.commit()


def median_ms(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--handovers", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        url = args.postgres or f"sqlite:///{instance / 'bench.db'}"
        app = make_app(url, instance)
        with app.app_context():
            if args.postgres:
                with db.engine.begin() as connection:
                    connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                    connection.execute(sa.text("CREATE SCHEMA public"))
            upgrade()
            seed_handovers(seed_listings(), args.handovers)
            figures: dict[str, Callable[[], object]] = {
                "totals": services.totals,
                "by family": services.by_family,
                "by postal area": services.by_postal_area,
                "by organisation": services.by_organisation,
                "12 months (Python buckets)": lambda: services.by_month(months=12),
                "open data cells (all months)": open_data.impact,
            }
            print(f"{args.handovers} handovers on {db.engine.dialect.name}")
            for name, action in figures.items():
                print(f"{name:32} {median_ms(action, args.rounds):8.1f} ms")
            db.engine.dispose()


if __name__ == "__main__":
    main()
