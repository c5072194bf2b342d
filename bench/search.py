"""Search benchmark: synthetic marketplaces of 10 000 and 100 000 listings.

    .venv/bin/python bench/search.py [--sizes 10000 100000] [--queries 200]
        [--backend whoosh postgres] [--postgres postgresql://postgres@127.0.0.1:5432/search_bench]

For each size and backend it builds a temporary marketplace (bulk inserts): for Whoosh in
SQLite, its embedded setting; for the PostgreSQL backend (SEARCH_BACKEND=postgres) in a fresh
PostgreSQL database at --postgres (dropped and created again). It indexes it with
`flask search reindex`'s code, and prints in one run:

- the index build rate;
- the incremental update latency, from the start of a commit until a search finds the change,
  in the committing process and in another process (the HTTP server);
- p50/p95 latency of ~200 realistic queries (words in three languages, filters, places,
  sorting, paging) measured (a) on the raw index: the same words as a Whoosh query, or as the
  PostgreSQL backend's match and rank, top page and exact total, without filters or facets;
  (b) through the search service: filters, facets, "did you mean" and the database re-check;
  (c) through HTTP, the search page and the API, served by waitress in a subprocess;
- the overhead ratios (b)/(a) and (c)/(a), and the baselines measured earlier on a 2-core
  machine (BASELINES below).

Every query is measured once after a warm-up pass over a different set of queries, so that
caches of whole results do not flatter the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from databases import fresh_postgres  # noqa: E402
from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from whoosh import query as wq  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.database import read_only_transactions  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.models import Category, Listing, Organisation, Site, User  # noqa: E402
from marketplace.search import services  # noqa: E402
from marketplace.search.geo import POSTAL_CODES  # noqa: E402
from marketplace.search.indexing import extension  # noqa: E402
from marketplace.search.query import parse_query  # noqa: E402
from marketplace.search.whoosh_backend import meaningful_words, text_query  # noqa: E402

BACKENDS = ("whoosh", "postgres")

TARGETS = {10_000: 40.0, 100_000: 150.0}
BASELINES = {
    "build": "Whoosh 2.7.5 at 100k: ~1 070 docs/s (93 s) with a title+description schema",
    10_000: "raw Whoosh top 20 with exact total at 10k: p50 3.7 / p95 16.5 ms",
    100_000: "raw Whoosh top 20 with exact total at 100k: p50 28 / p95 148 ms; "
    "HTTP search + render over 100k (gunicorn): p50 50 / p99 238 ms",
}
LANGUAGES = ("fi", "sv", "en")
COMMON = {
    "fi": "ehjä ehjiä käytetty käytettyjä uusi uusia ylijäämä purku purkukohteesta noudettava "
    "heti arkisin työmaalta lavalla lavoilla pakettia kappaletta hyvässä kunnossa vähän "
    "naarmuja sisällä varastoitu kuiva kontti mukana sopii remonttiin piharakennukseen "
    "valkoinen harmaa punainen musta mänty kuusi koivu tammi teräs alumiini kupari lasi "
    "betoni tiili levy ikkuna ovi lauta palkki putki kaapeli villa eriste teline nostin",
    "sv": "hel hela begagnad begagnade ny nya överskott rivning hämtas genast vardagar från "
    "bygget pall pallar paket stycken bra skick lite repor förvarad inomhus torr container "
    "medföljer passar renovering förråd vit grå röd svart furu gran björk ek stål aluminium "
    "koppar glas betong tegel skiva fönster dörr bräda balk rör kabel ull isolering ställning",
    "en": "intact used new surplus demolition pickup today weekdays from site pallet pallets "
    "packs pieces good condition minor scratches stored indoors dry container included "
    "suits renovation shed white grey red black pine spruce birch oak steel aluminium copper "
    "glass concrete brick board window door plank beam pipe cable wool insulation scaffold",
}
INFLECTED = {
    "fi": [
        *("tiiliä", "ikkunoita", "kipsilevyjä", "levyä", "ovia", "lautoja", "villaa"),
        *("eristeitä", "telineet", "nostimia", "kaappeja", "pöytiä", "tuoleja", "hyllyjä"),
        *("vaneria", "pattereita", "putkia", "laattoja", "harkkoja", "lavoja"),
    ],
    "sv": [
        *("fönstren", "tegelstenar", "dörrar", "skivor", "bräder", "ställningar", "rören"),
        *("kablarna", "pallarna"),
    ],
    "en": [
        *("bricks", "windows", "doors", "boards", "planks", "beams", "pipes", "cables"),
        *("pallets", "tiles", "lifts"),
    ],
}
MISSPELLED = ["ikunat", "tgel", "windws", "scafolding", "kipslevyt", "plywod", "mineraalvilla"]


@dataclass
class Timings:
    samples: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.samples.append(seconds * 1000)

    def p(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def __str__(self) -> str:
        return f"{self.p(0.5):7.1f} / {self.p(0.95):7.1f}"


def syllables(chance: random.Random) -> str:
    parts = ["ka", "lo", "mi", "ter", "sa", "vi", "no", "ri", "pe", "tu", "ski", "an", "ös", "el"]
    return "".join(chance.choice(parts) for _ in range(chance.randint(2, 4)))


class Vocabulary:
    """Words per language, Zipf-weighted: a few very common, a long tail of rare ones."""

    def __init__(self, chance: random.Random, names: dict[str, list[str]]) -> None:
        self.words: dict[str, list[str]] = {}
        self.weights: dict[str, list[float]] = {}
        for language in LANGUAGES:
            words = COMMON[language].split() + [
                w.lower() for n in names[language] for w in n.split()
            ]
            words += [syllables(chance) for _ in range(1500)]
            chance.shuffle(words)
            self.words[language] = words
            self.weights[language] = [1 / (rank + 1) for rank in range(len(words))]

    def text(self, chance: random.Random, language: str, count: int) -> str:
        picked = chance.choices(self.words[language], self.weights[language], k=count)
        return " ".join(picked).capitalize() + "."


def bulk_marketplace(size: int, seed: int = 7) -> None:
    """Users, organisations, sites and `size` listings, inserted with Core executemany."""
    chance = random.Random(seed)
    now = datetime.now(UTC)
    types = [
        CategoryType(c.id, c.kind.value, {lang: c.name(lang) for lang in LANGUAGES})
        for c in db.session.scalars(sa.select(Category).where(Category.parent_id.is_not(None)))
    ]
    db.session.remove()  # its transaction would hold SQLite's write lock against the inserts
    names = {lang: [c.names[lang] for c in types] for lang in LANGUAGES}
    vocabulary = Vocabulary(chance, names)
    engine = db.engine
    with engine.begin() as connection:
        users = [
            {"email": f"user{n}@bench.example", "display_name": f"User {n}", "password_hash": "x"}
            for n in range(600)
        ]
        connection.execute(sa.insert(User), users)
        user_ids = list(connection.scalars(sa.select(User.id)))
        organisations = [
            {"name": f"Rakennus {n} Oy", "kind": "contractor", "business_id": f"{1000000 + n}-0"}
            for n in range(300)
        ]
        connection.execute(sa.insert(Organisation), organisations)
        organisation_ids = list(connection.scalars(sa.select(Organisation.id)))
        codes = list(POSTAL_CODES)
        sites = []
        for n in range(700):
            owned_by_organisation = n % 3 != 0
            sites.append(
                {
                    "organisation_id": chance.choice(organisation_ids)
                    if owned_by_organisation
                    else None,
                    "user_id": None if owned_by_organisation else chance.choice(user_ids),
                    "name": f"Paikka {n}",
                    "address": f"Katu {n}",
                    "postal_code": chance.choice(codes),
                    "city": "Espoo",
                    "latitude": round(60.14 + chance.random() * 0.12, 6),
                    "longitude": round(24.55 + chance.random() * 0.35, 6),
                }
            )
        connection.execute(sa.insert(Site), sites)
        site_rows = connection.execute(sa.select(Site.id, Site.organisation_id)).all()
        batch: list[dict[str, Any]] = []
        for number in range(size):
            batch.append(listing_row(chance, vocabulary, types, site_rows, user_ids, now, number))
            if len(batch) == 5000:
                connection.execute(sa.insert(Listing), batch)
                batch = []
        if batch:
            connection.execute(sa.insert(Listing), batch)


@dataclass(frozen=True)
class CategoryType:
    id: int
    kind: str
    names: dict[str, str]


def listing_row(
    chance: random.Random,
    vocabulary: Vocabulary,
    types: list[CategoryType],
    sites: list[Any],
    users: list[int],
    now: datetime,
    number: int,
) -> dict[str, Any]:
    kind = chance.choices(["material", "equipment", "wanted"], [75, 15, 10])[0]
    wanted_kind = "equipment" if kind == "equipment" else "material"
    category = chance.choice([c for c in types if c.kind == wanted_kind] or types)
    language = chance.choices(LANGUAGES, [60, 20, 20])[0]
    site_id, organisation_id = chance.choice(sites)
    price_model = "free"
    price = None
    if kind == "equipment":
        price_model, price = "rental", chance.randint(20, 300) * 100
    elif chance.random() < 0.45:
        price_model, price = chance.choice(["per_unit", "per_lot"]), chance.randint(1, 2000) * 50
    published = now - timedelta(seconds=chance.randint(0, 365 * 86400))
    quantity = Decimal(chance.randint(1, 500))
    status = "active" if chance.random() < 0.95 else chance.choice(["draft", "closed"])
    title = f"{category.names[language]} {chance.choice(vocabulary.words[language][:40])} {number}"
    return {
        "kind": kind,
        "status": status,
        "owner_id": chance.choice(users),
        "organisation_id": organisation_id,
        "site_id": site_id,
        "category_id": category.id,
        "title": title[:120],
        "description": vocabulary.text(chance, language, chance.randint(30, 80)),
        "language": language,
        "condition": chance.choice(["new_surplus", "like_new", "good", "fair", "for_parts"]),
        "unit": "pcs",
        "quantity_total": quantity,
        "quantity_available": quantity,
        "price_model": price_model,
        "price_cents": price,
        "min_rental_days": 1 if kind == "equipment" else None,
        "available_from": date.today(),
        "published_at": published,
        "created_at": published,
        "updated_at": published,
    }


def realistic_queries(
    count: int, seed: int, families: list[str], types: list[str]
) -> list[dict[str, str]]:
    chance = random.Random(seed)
    places = [str(place.point) for place in POSTAL_CODES.values()]
    vocabulary = {lang: COMMON[lang].split() for lang in LANGUAGES}

    def word() -> str:
        language = chance.choices(LANGUAGES, [60, 20, 20])[0]
        if chance.random() < 0.4:
            return chance.choice(INFLECTED[language])
        return chance.choice(vocabulary[language][-20:] + vocabulary[language][:10])

    makers: list[tuple[int, Callable[[], dict[str, str]]]] = [
        (30, lambda: {"q": word()}),
        (12, lambda: {"q": f"{word()} {word()}"}),
        (5, lambda: {"q": chance.choice(MISSPELLED)}),
        (10, lambda: {"category": chance.choice(families)}),
        (6, lambda: {"category": chance.choice(types), "sort": "price"}),
        (5, lambda: {"kind": chance.choice(["equipment", "wanted"]), "sort": "newest"}),
        (6, lambda: {"free": "1", "condition": chance.choice(["good", "like_new"])}),
        (10, lambda: {"q": word(), "kind": "material", "free": chance.choice(["1", "0"])}),
        (6, lambda: {"q": word(), "max_price": str(chance.choice([10, 50, 200]))}),
        (8, lambda: {"near": chance.choice(places), "radius_km": str(chance.choice([2, 5, 10]))}),
        (
            6,
            lambda: {
                "q": word(),
                "near": chance.choice(places),
                "radius_km": "5",
                "sort": "nearest",
            },
        ),
        (4, lambda: {"near": chance.choice(places), "sort": "nearest"}),
        (4, lambda: {"q": word(), "page": str(chance.choice([2, 3]))}),
        (4, lambda: {}),
    ]
    weights = [weight for weight, _ in makers]
    return [chance.choices(makers, weights)[0][1]() for _ in range(count)]


def raw_search(app: Flask, args: dict[str, str]) -> int:
    """(a): the query's words alone, scored, top page, exact total; straight on the index the
    service uses."""
    backend = extension(app).backend
    if backend.name == "postgres":
        return raw_postgres(backend, args)
    query, _problems = parse_query(args)
    q = text_query(meaningful_words(query.text)) or wq.Every()
    with backend._lock:
        searcher = backend._fresh_view().searcher
        results = searcher.search(q, limit=query.page * query.per_page)
        [hit.docnum for hit in results[query.offset :]]
        return len(results)


def raw_postgres(backend: Any, args: dict[str, str]) -> int:
    """(a) on PostgreSQL: the backend's match and ranking, newest first without words."""
    from marketplace.search.analysis import meaningful_words as words_of
    from marketplace.search.pg_search import Search
    from marketplace.search.query import MAX_WORDS

    query, _problems = parse_query(args)
    bare = query.changed(
        kind=None, condition=None, organisation=None, free=False, near=None, radius_km=None
    )
    bare = bare.changed(min_price_cents=None, max_price_cents=None, sort=None)
    with backend._reading() as connection:
        search = Search(connection, backend.live, bare, None, words_of(query.text, MAX_WORDS))
        total = search.total(search.words, search.queries)
        search._page(total)
        return total


def service_search(args: dict[str, str]) -> int:
    """(b): what the search page's view does, in a read-only transaction as GETs have."""
    with read_only_transactions():
        query, problems = parse_query(args)
        page = services.search(query, problems)
        db.session.remove()
    return page.total


def measure(run: Callable[[dict[str, str]], Any], queries: list[dict[str, str]]) -> Timings:
    timings = Timings()
    for args in queries:
        started = time.perf_counter()
        run(args)
        timings.add(time.perf_counter() - started)
    return timings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(env: dict[str, str]) -> Iterator[int]:
    port = free_port()
    code = (
        "from waitress import serve; from marketplace import create_app; "
        f"serve(create_app(), host='127.0.0.1', port={port}, threads=4, _quiet=True)"
    )
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def http_get(connection: http.client.HTTPConnection, path: str) -> bytes:
    connection.request("GET", path, headers={"Accept-Language": "fi"})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
    return body


def update_latency(app: Flask, port: int | None, rounds: int = 20) -> tuple[Timings, Timings]:
    """From the start of a commit until the changed listing is found: in this process, and
    (when a server runs) from the server, which learns of it from the index on disk."""
    local, remote = Timings(), Timings()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30) if port else None
    ids = list(
        db.session.scalars(sa.select(Listing.id).where(Listing.status == "active").limit(rounds))
    )
    for number, listing_id in enumerate(ids):
        token = f"muutos{number}x{random.randint(0, 10**9)}"
        listing = db.session.get(Listing, listing_id)
        assert listing is not None
        listing.title = f"Päivitetty {token}"
        started = time.perf_counter()
        db.session.commit()
        while service_search({"q": token}) != 1:
            time.sleep(0.005)
        local.add(time.perf_counter() - started)
        if connection is not None:
            path = "/api/v1/listings?" + urlencode({"q": token})
            while json.loads(http_get(connection, path))["total"] != 1:
                time.sleep(0.005)
            remote.add(time.perf_counter() - started)
        db.session.remove()
    return local, remote


def run(size: int, count: int, backend: str, postgres: str) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"search-bench-{size}-"))
    database = (
        fresh_postgres(postgres) if backend == "postgres" else f"sqlite:///{folder / 'bench.db'}"
    )
    env = {
        **os.environ,
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": database,
        "SEARCH_BACKEND": backend,
        "SEARCH_INDEX_DIR": str(folder / "search-index"),
        "SECRET_KEY": "benchmark",
        "RATELIMIT_ENABLED": "0",
    }
    names = ("INSTANCE_PATH", "DATABASE_URL", "SEARCH_BACKEND", "SEARCH_INDEX_DIR")
    os.environ.update({k: env[k] for k in names})
    app = create_app({"SECRET_KEY": "benchmark", "RATELIMIT_ENABLED": False})
    figures: dict[str, Any] = {"size": size, "backend": backend}
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            bulk_marketplace(size)
            figures["insert_s"] = time.perf_counter() - started
            report = services.reindex()
            figures["build_rate"] = report.documents / report.seconds
            figures["documents"] = report.documents
            families = list(
                db.session.scalars(sa.select(Category.slug).where(Category.parent_id.is_(None)))
            )
            types = list(
                db.session.scalars(sa.select(Category.slug).where(Category.parent_id.is_not(None)))
            )
            warm = realistic_queries(count, seed=1, families=families, types=types)
            queries = realistic_queries(count, seed=2, families=families, types=types)
            for args in warm:
                raw_search(app, args)
                service_search(args)
            figures["raw"] = measure(lambda args: raw_search(app, args), queries)
            figures["service"] = measure(service_search, queries)
            figures["slowest"] = slowest(service_search, queries)
            with server(env) as port:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                for args in warm:
                    http_get(connection, "/listings/?" + urlencode(args))
                    http_get(connection, "/api/v1/listings?" + urlencode(args))
                figures["page"] = measure(
                    lambda args: http_get(connection, "/listings/?" + urlencode(args)), queries
                )
                figures["api"] = measure(
                    lambda args: http_get(connection, "/api/v1/listings?" + urlencode(args)),
                    queries,
                )
                figures["update_local"], figures["update_remote"] = update_latency(app, port)
            figures["state"] = services.state()
    finally:
        extension(app).backend.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def slowest(run: Callable[[dict[str, str]], Any], queries: list[dict[str, str]]) -> list[str]:
    """The five slowest queries of a second pass, to show where the tail comes from."""
    timed = []
    for args in queries:
        started = time.perf_counter()
        run(args)
        timed.append((time.perf_counter() - started, args))
    timed.sort(key=lambda item: item[0], reverse=True)
    return [f"{seconds * 1000:.1f} ms {args}" for seconds, args in timed[:5]]


def report(results: list[dict[str, Any]]) -> None:
    print()
    print("size     backend       build docs/s | update p50/p95 ms: same process | other process")
    for r in results:
        print(
            f"{r['size']:>7}  {r['backend']:<9} {r['build_rate']:12.0f} | "
            f"{r['update_local']!s:>31} | "
            f"{r['update_remote']!s}  (max {max(r['update_remote'].samples):.0f} ms)"
        )
    print()
    print("query latency, p50 / p95 ms (each of the queries measured once)")
    print(
        "size     backend    (a) raw index    (b) service     (c) page        (c) API      "
        "(b)/(a)  page/(a)  API/(a)  (p50 ratios; p95 ratios below)"
    )
    for r in results:
        raw, service, page, api = r["raw"], r["service"], r["page"], r["api"]
        print(
            f"{r['size']:>7}  {r['backend']:<9}{raw!s:>15}  {service!s:>15}  {page!s:>15}  "
            f"{api!s:>15}  {service.p(0.5) / raw.p(0.5):6.2f}  {page.p(0.5) / raw.p(0.5):8.2f}  "
            f"{api.p(0.5) / raw.p(0.5):7.2f}"
        )
        print(
            f"{'':>7}  {'':<9}{'':>15}  {'':>15}  {'':>15}  {'':>15}  "
            f"{service.p(0.95) / raw.p(0.95):6.2f}  {page.p(0.95) / raw.p(0.95):8.2f}  "
            f"{api.p(0.95) / raw.p(0.95):7.2f}"
        )
    print()
    print("targets and baselines")
    for r in results:
        print(f"{r['size']:>7}  {r['backend']:<9}" + "; ".join(verdicts(r)))
        if r["size"] in BASELINES and r["backend"] == "whoosh":
            print(f"{'':>7}  baseline: {BASELINES[r['size']]}")
    print(f"{'':>7}  baseline: {BASELINES['build']}")
    print()
    print("slowest service searches (second pass)")
    for r in results:
        for line in r["slowest"]:
            print(f"{r['size']:>7}  {r['backend']:<9}{line}")


def verdicts(r: dict[str, Any]) -> list[str]:
    target = TARGETS.get(r["size"])
    worst = max(r["page"].p(0.95), r["api"].p(0.95))
    found = [
        f"HTTP p95 {worst:.0f} ms" + (f" (target < {target:.0f} ms)" if target else ""),
        f"service/raw p95 {r['service'].p(0.95) / r['raw'].p(0.95):.2f} (target <= 1.5)",
        f"change searchable in {max(r['update_remote'].samples):.0f} ms at worst (target < 1000)",
    ]
    if r["backend"] == "postgres" and r["size"] == 100_000:
        found.append(f"search p95 {r['service'].p(0.95):.0f} ms (issue 9: target < 50 ms)")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backend", nargs="+", choices=BACKENDS, default=["whoosh"])
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/search_bench",
        help="a database the benchmark may drop and create (PostgreSQL backend only)",
    )
    args = parser.parse_args(argv)
    results = []
    for size in args.sizes:
        for backend in args.backend:
            print(f"building {size} listings for {backend}…", flush=True)
            figures = run(size, args.queries, backend, args.postgres)
            state = figures["state"]
            print(
                f"  inserted in {figures['insert_s']:.1f} s; indexed {figures['documents']} "
                f"at {figures['build_rate']:.0f} docs/s; "
                f"index {state.get('index') or state.get('tables')}",
                flush=True,
            )
            results.append(figures)
    report(results)


if __name__ == "__main__":
    main()
