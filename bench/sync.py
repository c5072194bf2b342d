"""Partner sync through the HTTP API: 10 000 items in batches of 500 into an empty
marketplace, then the same items again (an unchanged re-sync), on SQLite and PostgreSQL.

    .venv/bin/python bench/sync.py [--items 10000] [--batch 500]
        [--postgres postgresql://postgres@127.0.0.1:5432/marketplace_bench] [--skip-postgres]

Requests go through the Flask test client, so the figures include routing, key checks, JSON,
the listing services and the search index, but no sockets. Each batch's answer comes after
its commit and after the search index has taken the batch (SEARCH_SYNC_WAIT), so the check
at the end, that search finds the synced items, is what a partner would see. Machines here
are noisy: compare the ratio, not the absolute numbers, across runs.
"""

from __future__ import annotations

import argparse
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from databases import fresh_postgres
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.auth import services as auth_services
from marketplace.extensions import db
from marketplace.models import OrganisationKind
from marketplace.organisations import services as organisations
from marketplace.partners import keys

PLACES = [
    ("Kera", "Keranportti 3", "02650", 60.2172, 24.7535),
    ("Kilo", "Kilonkallio 1", "02610", 60.2170, 24.7830),
    ("Leppävaara", "Läkkisepänkuja 4", "02600", 60.2192, 24.8130),
    ("Espoon keskus", "Kirkkojärventie 6", "02770", 60.2050, 24.6560),
    ("Tapiola", "Tapionaukio 2", "02100", 60.1757, 24.8049),
    ("Matinkylä", "Piispansilta 11", "02230", 60.1600, 24.7390),
]
RENTALS = [
    ("facade-scaffolding", "Julkisivuteline", "set"),
    ("scissor-lifts", "Saksinostin", "pcs"),
    ("site-huts", "Työmaakoppi", "pcs"),
]
SALES = [
    ("common-bricks", "Punatiili", "pcs"),
    ("mineral-wool", "Mineraalivilla", "m2"),
]


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
            "NOTIFICATIONS_DELIVERY": "job",
            "WEBHOOKS_DELIVERY": "job",
            "RATELIMIT_ENABLED": False,
            "API_RATELIMIT_PER_KEY": "1000000/minute",
        }
    )


def prepare(app: Flask) -> tuple[str, int]:
    """An empty marketplace with one rental partner and its key."""
    with app.app_context():
        upgrade()
        owner = auth_services.create_user("erp@bench.example", "ERP", "bench password 1")
        partner = organisations.create_organisation(
            owner, "Bench Vuokraus Oy", OrganisationKind.RENTAL_PARTNER, "2000000-8", verified=True
        )
        key = keys.create_key(partner, owner, "bench", list(keys.SCOPES)).token
        return key, partner.id


def item(number: int) -> dict[str, Any]:
    rng = random.Random(number)
    place, address, postal_code, lat, lon = PLACES[number % len(PLACES)]
    location = {
        "name": f"{place} varasto",
        "address": address,
        "postal_code": postal_code,
        "city": "Espoo",
        "lat": lat,
        "lon": lon,
    }
    common = {"external_id": f"ERP-{number:06d}", "location": location, "language": "fi"}
    if number % 2:
        category, name, unit = RENTALS[number % len(RENTALS)]
        return {
            **common,
            "kind": "rental",
            "title": f"{name} {number}",
            "category": category,
            "unit": unit,
            "quantity": str(rng.randint(1, 5)),
            "price": {"amount": f"{rng.randint(20, 200)}.00", "per": "day"},
            "min_rental_days": 1,
            "attributes": {"serial": f"SN{number:08d}"},
        }
    category, name, unit = SALES[number % len(SALES)]
    return {
        **common,
        "kind": "sale",
        "title": f"{name} erä {number}",
        "category": category,
        "unit": unit,
        "quantity": str(rng.randint(10, 900)),
        "price": {"amount": f"{rng.randint(1, 90) / 10:.2f}", "per": "unit"},
    }


@dataclass
class Pass:
    seconds: float
    counts: dict[str, int]


def push(client: FlaskClient, key: str, items: list[dict[str, Any]], size: int) -> Pass:
    totals: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(items), size):
        response = client.post(
            "/api/v1/inventory/batch",
            json={"mode": "upsert", "items": items[start : start + size]},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        for name, value in response.get_json()["counts"].items():
            totals[name] = totals.get(name, 0) + value
    return Pass(time.perf_counter() - started, totals)


def searchable(client: FlaskClient, organisation_id: int, items: list[dict[str, Any]]) -> str:
    """What search finds right after the sync returned: all of the partner's items, and a
    few by their words."""
    every = client.get(f"/api/v1/listings?organisation={organisation_id}&per_page=1")
    total = every.get_json()["total"]
    words = [items[n]["title"] for n in (0, len(items) // 2, len(items) - 1)]
    found = [
        client.get("/api/v1/listings", query_string={"q": w}).get_json()["total"] for w in words
    ]
    verdict = "all found" if total == len(items) and all(found) else "MISSING"
    return f"{verdict}: {total} of {len(items)} by organisation, titles found {found}"


def measure(name: str, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    items = [item(number) for number in range(args.items)]
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(database_url, Path(folder))
        key, organisation_id = prepare(app)
        client = app.test_client()
        first = push(client, key, items, args.batch)
        again = push(client, key, items, args.batch)
        search = searchable(client, organisation_id, items)
        with app.app_context():
            listings = db.session.scalar(sa.text("SELECT count(*) FROM listings"))
            db.engine.dispose()
    assert first.counts["created"] == args.items, first.counts
    assert again.counts["unchanged"] == args.items, again.counts
    return {
        "database": name,
        "first": args.items / first.seconds,
        "first_s": first.seconds,
        "again": args.items / again.seconds,
        "again_s": again.seconds,
        "listings": listings,
        "search": search,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/marketplace_bench"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(measure("SQLite (WAL)", f"sqlite:///{folder}/bench.db", args))
    if not args.skip_postgres:
        results.append(measure("PostgreSQL", fresh_postgres(args.postgres), args))
    print(f"{args.items} items in batches of {args.batch} through POST /api/v1/inventory/batch")
    print(f"{'database':<14}{'first sync':>22}{'unchanged re-sync':>24}{'ratio':>8}")
    for r in results:
        print(
            f"{r['database']:<14}{r['first']:>10.0f} items/s ({r['first_s']:5.1f} s)"
            f"{r['again']:>11.0f} items/s ({r['again_s']:5.1f} s)"
            f"{r['again'] / r['first']:>7.1f}×"
        )
        print(f"{'':<14}{r['listings']} listings; search {r['search']}")


if __name__ == "__main__":
    main()
