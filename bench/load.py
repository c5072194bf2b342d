"""A bounded mixed load on the production setup: gunicorn with 4 workers on PostgreSQL,
a 20 000-listing marketplace, driven from a separate process on 127.0.0.1.

    .venv/bin/python bench/load.py [--seconds 30] [--threads 16] [--listings 20000]
        [--servers 2] [--runners 2]
        [--postgres postgresql://postgres@127.0.0.1:5432/marketplace_load]

The 4 workers are split over `--servers` separate gunicorn servers on one database, as on
separate app hosts, and `--runners` job runners (`flask jobs run`) deliver the notification
e-mails meanwhile to an SMTP server of this script's own; afterwards every e-mail must have
gone out exactly once. Set SEARCH_BACKEND=postgres to search with PostgreSQL.

The mix: browse, search as you type (htmx fragments), listing detail, reserve (signed-in
residents posting the form), and partner batches through the API. It prints throughput and
p50/p95/p99 per route, the errors, the stock invariant checked afterwards, and the same load
on a bare Flask endpoint under the same gunicorn setup in the same run (the ceiling).
Machines here are noisy and have 2 cores shared by server and driver: compare ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from databases import fresh_postgres

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PASSWORD = "load test password"  # noqa: S105  (synthetic accounts of a throwaway database)
WEIGHTS = {"browse": 25, "search": 35, "detail": 25, "reserve": 10, "partner batch": 5}
PREFIXES = [
    "ti",
    "tii",
    "tiil",
    "tiili",
    "vill",
    "villa",
    "lev",
    "levy",
    "ikk",
    "ikkun",
    "fön",
    "tegel",
    "brick",
    "wool",
    "teline",
    "ovi",
    "puu",
    "lasi",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# Preparing the marketplace


def environment(database_url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "load test",
        "SESSION_COOKIE_SECURE": "0",
        "RATELIMIT_ENABLED": "0",
        "NOTIFICATIONS_DELIVERY": "job",
        "SEARCH_INDEX_DIR": str(instance / "search-index"),
        "UPLOAD_DIR": str(instance / "uploads"),
        "FLASK_APP": "wsgi",
    }


def prepare(env: dict[str, str], listings: int, residents: int) -> dict[str, Any]:
    """Migrate, load the synthetic marketplace, add residents and a partner key."""
    os.environ.update(env)
    import search as search_bench
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.auth import services as auth_services
    from marketplace.extensions import db
    from marketplace.models import Listing, ListingKind, ListingStatus, OrganisationKind
    from marketplace.organisations import services as organisation_services

    app = create_app({"AUTH_ARGON2_TIME_COST": 1, "AUTH_ARGON2_MEMORY_KIB": 64})
    with app.app_context():
        upgrade()
        search_bench.bulk_marketplace(listings)
        for n in range(residents):
            # Accepted at registration, or every page would first ask for the terms.
            auth_services.create_user(
                f"resident{n}@load.example", f"Resident {n}", PASSWORD, accepted_terms=True
            )
        material = list(
            db.session.scalars(
                sa.select(Listing.id)
                .where(
                    Listing.kind == ListingKind.MATERIAL,
                    Listing.status == ListingStatus.ACTIVE,
                    Listing.price_model == "free",
                    Listing.unit == "pcs",
                )
                .limit(300)
            )
        )
        all_ids = list(
            db.session.scalars(sa.select(Listing.id).where(Listing.status == ListingStatus.ACTIVE))
        )
        partner_owner = auth_services.create_user("partner@load.example", "Partner", PASSWORD)
        partner = organisation_services.create_organisation(
            partner_owner,
            "Kera Load Rental Oy",
            OrganisationKind.RENTAL_PARTNER,
            "0112038-9",
            verified=True,
        )
        partner_name = partner.name
        db.engine.dispose()
    run_flask(env, ["search", "reindex"])
    key = (
        run_flask(
            env,
            [
                "partners",
                "create-key",
                "--org",
                partner_name,
                "--name",
                "load",
                "--scope",
                "inventory:write",
            ],
        )
        .strip()
        .splitlines()[-1]
        .split()[-1]
    )
    return {"reservable": material, "listings": all_ids, "key": key}


def run_flask(env: dict[str, str], args: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


# The servers


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(
    env: dict[str, str], app_spec: str, workers: int = 4, output: IO[bytes] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """A gunicorn server on a free port; its log goes to `output`, or to this script's own."""
    port = free_port()
    settings = {**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_BIND": f"127.0.0.1:{port}"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:marketplace.ops.gunicorn_config",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            app_spec,
        ],
        env=settings,
        cwd=ROOT,
        stdout=output,
        stderr=output,
    )
    return process, port


def wait_until_serving(port: int, path: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.3)
    return False


def health_path(app_spec: str) -> str:
    return "/healthz" if app_spec == "wsgi:app" else "/"


@contextmanager
def gunicorn(env: dict[str, str], app_spec: str, workers: int = 4) -> Iterator[int]:
    process, port = start_gunicorn(env, app_spec, workers)
    try:
        wait_until_serving(port, health_path(app_spec))
        yield port
    finally:
        process.terminate()
        process.wait(30)


@contextmanager
def servers(env: dict[str, str], app_spec: str, count: int) -> Iterator[list[int]]:
    """`count` separate gunicorn servers sharing 4 workers between them."""
    with ExitStack() as stack:
        workers = max(1, 4 // count)
        yield [stack.enter_context(gunicorn(env, app_spec, workers)) for _ in range(count)]


class MailSink:
    """Every message the job runners send, received by a real SMTP server on 127.0.0.1."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((",".join(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@contextmanager
def smtp_server(handler: Any) -> Iterator[int]:
    """A real SMTP server on 127.0.0.1 handing every message to `handler`; yields its port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def start_runner(
    settings: dict[str, str], output: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """`flask jobs run` every second; its log goes to `output`, or stdout is dropped."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "jobs", "run", "--interval", "1"],
        env=settings,
        cwd=ROOT,
        stdout=output if output is not None else subprocess.DEVNULL,
        stderr=output,
    )


@contextmanager
def job_runners(env: dict[str, str], count: int) -> Iterator[MailSink]:
    sink = MailSink()
    with smtp_server(sink) as port:
        settings = {**env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port)}
        runners = [start_runner(settings) for _ in range(count)]
        try:
            yield sink
        finally:
            for runner in runners:
                runner.terminate()
            for runner in runners:
                runner.wait(30)


def drain(database_url: str, seconds: float = 60) -> int:
    """Wait for the runners to send what the load left; the number still unsent."""
    engine = sa.create_engine(database_url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with engine.connect() as connection:
                unsent = int(
                    connection.execute(
                        sa.text(
                            "SELECT COUNT(*) FROM notifications "
                            "WHERE emailed_at IS NULL AND email_attempts < 8"
                        )
                    ).scalar_one()
                )
            if unsent == 0 or time.monotonic() > deadline:
                return unsent
            time.sleep(1)
    finally:
        engine.dispose()


def mail_check(database_url: str, sink: MailSink, unsent: int) -> tuple[bool, str]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        emailed = int(
            connection.execute(
                sa.text("SELECT COUNT(*) FROM notifications WHERE emailed_at IS NOT NULL")
            ).scalar_one()
        )
    engine.dispose()
    received = len(sink.messages)
    duplicates = received - len(set(sink.messages))
    ok = unsent == 0 and duplicates == 0 and received == emailed
    return ok, (
        f"{received} e-mails received for {emailed} notifications marked sent, "
        f"{duplicates} duplicates, {unsent} left unsent"
    )


# The driver, in its own process


class Browser:
    """One keep-alive connection with cookies, like a browser tab."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        # Of the last request: the answer's headers, or why no answer came.
        self.headers: http.client.HTTPMessage | None = None
        self.failure: str | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        all_headers = {"Accept-Language": "fi", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.headers, self.failure = None, None
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.failure = "timeout" if isinstance(error, TimeoutError) else "reset"
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
            return 599, b""
        self.headers = response.headers
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, bytes]:
        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )


TOKEN = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(browser: Browser, email: str) -> str:
    _, page = browser.request("GET", "/login")
    token = TOKEN.search(page)
    assert token, "no CSRF token on the sign-in page"
    status, _ = browser.form(
        "/login", {"csrf_token": token.group(1).decode(), "email": email, "password": PASSWORD}
    )
    assert status == 302, f"sign-in failed with {status}"
    _, page = browser.request("GET", "/accessibility")
    found = TOKEN.search(page)
    assert found
    return found.group(1).decode()


def partner_items(chance: random.Random, number: int) -> bytes:
    items = [
        {
            "external_id": f"load-{number}-{n}",
            "kind": "rental",
            "title": f"Työmaakoppi {n}",
            "description": "Kuormitustestin kohde",
            "language": "fi",
            "category": "site-huts",
            "condition": "good",
            "quantity": 2,
            "unit": "pcs",
            "price": {"amount": "45.00", "currency": "EUR", "per": "day"},
            "location": {
                "name": "Varasto",
                "address": "Katu 1",
                "postal_code": "02650",
                "city": "Espoo",
                "lat": 60.2172,
                "lon": 24.7535,
            },
        }
        for n in range(20)
    ]
    return json.dumps({"mode": "upsert", "items": items}).encode()


def drive(
    ports: list[int],
    seconds: float,
    threads: int,
    plan: dict[str, Any],
    results: Any,
    bare: bool,
) -> None:
    """Runs in a separate process; puts {route: [latencies]} and error counts on `results`."""
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(number: int) -> None:
        chance = random.Random(number)
        browser = Browser(ports[number % len(ports)])  # a tab stays with one server
        token = "" if bare else sign_in(browser, f"resident{number}@load.example")
        batch = 0
        while time.monotonic() < deadline:
            route = "bare" if bare else chance.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
            started = time.perf_counter()
            status = act(browser, chance, route, token, plan, number, batch)
            elapsed = (time.perf_counter() - started) * 1000
            batch += route == "partner batch"
            with lock:
                timings[route].append(elapsed)
                if status >= 500:
                    errors[route] += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put({"timings": dict(timings), "errors": dict(errors), "seconds": seconds})


def act(
    browser: Browser,
    chance: random.Random,
    route: str,
    token: str,
    plan: dict[str, Any],
    number: int,
    batch: int,
) -> int:
    if route == "bare":
        return browser.request("GET", "/")[0]
    if route == "browse":
        return browser.request("GET", f"/listings/?page={chance.randint(1, 20)}")[0]
    if route == "search":
        query = urlencode({"q": chance.choice(PREFIXES)})
        return browser.request("GET", f"/listings/?{query}", headers={"HX-Request": "true"})[0]
    if route == "detail":
        return browser.request("GET", f"/listings/{chance.choice(plan['listings'])}")[0]
    if route == "reserve":
        listing = chance.choice(plan["reservable"])
        pickup = time.strftime("%Y-%m-%d", time.localtime(time.time() + 3 * 86400))
        status, _ = browser.form(
            f"/reservations/new/{listing}",
            {
                "csrf_token": token,
                "quantity": "1",
                "pickup_date": pickup,
                "pickup_time": "10:00",
                "request_id": f"{number}-{time.perf_counter_ns()}",
            },
        )
        return 200 if status in (302, 422) else status  # refusals (sold out) are fine
    body = partner_items(chance, number * 1000 + batch)
    return browser.request(
        "POST",
        "/api/v1/inventory/batch",
        body,
        {"Authorization": f"Bearer {plan['key']}", "Content-Type": "application/json"},
    )[0]


def run_driver(
    ports: list[int], seconds: float, threads: int, plan: dict[str, Any], bare: bool
) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=drive, args=(ports, seconds, threads, plan, results, bare))
    process.start()
    outcome: dict[str, Any] = results.get(timeout=seconds + 300)
    process.join(60)
    return outcome


# Checking and reporting


def out_of_balance(database_url: str) -> tuple[int, int]:
    """Material listings whose stock disagrees with their reservations, and reservations."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        broken = connection.execute(
            sa.text(
                "SELECT l.id FROM listings l LEFT JOIN ("
                "  SELECT listing_id, SUM(quantity) AS held FROM reservations"
                "  WHERE status IN ('pending_payment', 'requested', 'accepted', 'completed')"
                "  GROUP BY listing_id) r ON r.listing_id = l.id "
                "WHERE l.kind = 'material' AND (l.quantity_available < 0 OR "
                "l.quantity_available <> l.quantity_total - COALESCE(r.held, 0))"
            )
        ).all()
        reserved = connection.execute(sa.text("SELECT COUNT(*) FROM reservations")).scalar()
    engine.dispose()
    return len(broken), int(reserved or 0)


def stock_invariant(database_url: str) -> tuple[bool, str]:
    broken, reserved = out_of_balance(database_url)
    return not broken, f"{reserved} reservations made, {broken} listings out of balance"


def report(
    mixed: dict[str, Any],
    bare: dict[str, Any],
    invariant: tuple[bool, str],
    mail: tuple[bool, str],
    setup: str,
) -> None:
    seconds = mixed["seconds"]
    print(setup)
    print(
        f"{'route':<15}{'requests':>9}{'per s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'5xx':>6}"
    )
    for route, values in sorted(mixed["timings"].items()):
        print(
            f"{route:<15}{len(values):>9}{len(values) / seconds:>8.1f}"
            f"{statistics.median(values):>9.1f}{percentile(values, 0.95):>9.1f}"
            f"{percentile(values, 0.99):>9.1f}{mixed['errors'].get(route, 0):>6}"
        )
    total = sum(len(v) for v in mixed["timings"].values()) / seconds
    bare_values = bare["timings"]["bare"]
    bare_rate = len(bare_values) / bare["seconds"]
    reading = sum(len(mixed["timings"].get(r, [])) for r in ("browse", "search")) / seconds
    print(f"{'all':<15}{'':>9}{total:>8.1f}")
    print(
        f"bare Flask under the same gunicorn setup: {bare_rate:.0f}/s, "
        f"p50 {statistics.median(bare_values):.1f} ms, "
        f"p99 {percentile(bare_values, 0.99):.1f} ms"
    )
    print(
        f"browse and search: {reading:.1f}/s, {reading / bare_rate:.0%} of the bare rate; "
        f"the whole mix: {total / bare_rate:.0%}"
    )
    print(
        f"5xx: {sum(mixed['errors'].values())}; stock invariant: "
        f"{'holds' if invariant[0] else 'BROKEN'} ({invariant[1]})"
    )
    print(f"e-mail outbox: {'exactly once' if mail[0] else 'BROKEN'} ({mail[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--servers", type=int, default=2, help="gunicorn servers, 4 workers in all")
    parser.add_argument("--runners", type=int, default=2, help="`flask jobs run` processes")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/marketplace_load"
    )
    args = parser.parse_args()
    database_url = fresh_postgres(args.postgres)
    with tempfile.TemporaryDirectory() as folder:
        env = environment(database_url, Path(folder))
        started = time.monotonic()
        plan = prepare(env, args.listings, args.threads)
        print(f"prepared {args.listings} listings in {time.monotonic() - started:.0f} s")
        with servers(env, "bench.bare_app:app", args.servers) as ports:
            bare = run_driver(ports, min(args.seconds, 15), args.threads, plan, bare=True)
        with job_runners(env, args.runners) as sink:
            with servers(env, "wsgi:app", args.servers) as ports:
                mixed = run_driver(ports, args.seconds, args.threads, plan, bare=False)
            mail = mail_check(database_url, sink, drain(database_url))
        setup = (
            f"{args.servers} gunicorn servers with {max(1, 4 // args.servers)} workers each, "
            f"{args.runners} job runners, search backend {env.get('SEARCH_BACKEND', 'whoosh')}"
        )
        report(mixed, bare, stock_invariant(database_url), mail, setup)


if __name__ == "__main__":
    main()
