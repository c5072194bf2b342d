"""bench/load.py's mixed load while the product's dependencies fail, one fault at a time,
and what people and partners got meanwhile.

    .venv/bin/python bench/faults.py [--window 15] [--after 15] [--baseline 10] [--drain 60]
        [--faults cuts,stall,refuse,redis,kill] [--threads 16] [--listings 5000]
        [--reservable 100] [--servers 2] [--runners 2] [--smtp-delay 1] [--cut-every 1]
        [--postgres postgresql://postgres@127.0.0.1:5432/marketplace_faults]
        [--redis redis://127.0.0.1:6379/15] [--logs DIR]

The setup is bench/load.py's (gunicorn servers with 4 workers in all, `flask jobs run`
runners, an SMTP server of this script's own), with rate limits on and counted in Redis, a
webhook endpoint of this script's own for every organisation whose listings people reserve,
`--reservable` listings of 10 pieces each (a person reserves 1), and sign-ins (which pass the
rate limiter) added to bench/load.py's mix. The servers and runners reach PostgreSQL and Redis
through a proxy that fails on command (tests/faults/proxy.py); the SMTP server can be slowed.
Redis keeps only rate-limit counts, under keys of the product's own. After a healthy
baseline, each fault lasts `--window` seconds and is followed by `--after` seconds of healthy
running:

    cuts    every database connection cut every `--cut-every` s, while the SMTP server takes
            `--smtp-delay` s per message
    stall   the database answers nothing (connections stay open)
    refuse  the database is down: connections cut and new ones refused
    redis   Redis is down: connections cut and new ones refused
    kill    a job runner SIGKILLed while it sends an e-mail (slowed as in `cuts`) and started
            again a second later, and one web worker SIGKILLed

Each row counts the requests answered (or given up) from the fault's start until the next
row's start, so that a request the fault broke is in the fault's row even if it began before.
After the last fault the load stops and the runners get `--drain` seconds to send what is
left; then e-mails are compared with the notifications (by the notification's id in the
Message-ID, or else by recipient, subject and link) and webhooks with the deliveries (by
delivery id). Everything runs on 127.0.0.1. The exit status
is 0 whatever the figures are, and 1 when the harness itself fails.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import http.server
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from databases import fresh_postgres
from load import (
    PASSWORD,
    TOKEN,
    WEIGHTS,
    Browser,
    MailSink,
    act,
    environment,
    out_of_balance,
    prepare,
    sign_in,
    smtp_server,
    start_gunicorn,
    start_runner,
    wait_until_serving,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faults.proxy import FaultyProxy  # noqa: E402

FAULTS = ("cuts", "stall", "refuse", "redis", "kill")
TITLES = {
    "baseline": "none (baseline)",
    "cuts": "DB connections cut every {cut_every:g} s, SMTP {smtp_delay:g} s per message",
    "stall": "database stalled",
    "refuse": "database down (refused)",
    "redis": "Redis down (refused)",
    "kill": "job runner SIGKILLed while sending, a web worker SIGKILLed",
}
# Sign-ins go through the rate limiter, and so to Redis; the rest is bench/load.py's mix.
MIX = {**WEIGHTS, "sign in": 3}
# A person who got an error page reads it before trying again; without this pause the
# driver would spin on instant failures and take the CPU the servers need to recover.
PAUSE_AFTER_ERROR = 0.1
LATE = 90.0
OUTSIDE = "outside"  # made before the baseline or while draining
PIECES = Decimal(10)
# Settings the measured processes get on top of bench/load.py's: limits counted (in Redis)
# but never reached, the webhook receiver on loopback allowed, cheap password hashes.
SETTINGS = {
    "RATELIMIT_ENABLED": "1",
    "RATELIMIT_LOGIN_PER_IP": "100000/minute",
    "RATELIMIT_LOGIN_PER_ACCOUNT": "100000/minute",
    "RATELIMIT_LOGIN_PER_ACCOUNT_ANYWHERE": "100000/hour",
    "API_RATELIMIT_PER_KEY": "100000/minute",
    "PARTNERS_ALLOW_PRIVATE_URLS": "1",
    "AUTH_ARGON2_TIME_COST": "1",
    "AUTH_ARGON2_MEMORY_KIB": "64",
}


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


# What people and partners are served by: the SMTP server and the webhook receiver


class SlowMailSink(MailSink):
    """bench/load.py's sink, slowed on command, noting when each message came and which
    connections are in the middle of a message."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.received: list[tuple[float, str, bytes]] = []
        self.sending: set[int] = set()  # the senders' ports

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        port = int(session.peer[1])
        self.sending.add(port)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            # Taken once the data is in, as a real server does, even if the sender is gone
            # before the reply reaches it.
            self.received.append((time.time(), ",".join(envelope.rcpt_tos), envelope.content))
            return await super().handle_DATA(server, session, envelope)
        finally:
            self.sending.discard(port)


class HookReceiver(http.server.ThreadingHTTPServer):
    """A partner's webhook endpoint: answers 200 to everything and notes each delivery id."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.lock = threading.Lock()
        self.deliveries: Counter[int] = Counter()
        self.first: dict[int, float] = {}  # when each delivery first arrived
        self.unnamed = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class HookHandler(http.server.BaseHTTPRequestHandler):
    server: HookReceiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        delivery = self.headers.get("X-Marketplace-Delivery", "")
        with self.server.lock:
            if delivery.isdigit():
                self.server.deliveries[int(delivery)] += 1
                self.server.first.setdefault(int(delivery), time.time())
            else:
                self.server.unnamed += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def hook_receiver() -> Iterator[HookReceiver]:
    receiver = HookReceiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()


# Preparing the marketplace beyond bench/load.py's


def make_scarce_and_subscribe(
    database_url: str, plan: dict[str, Any], count: int, hook_url: str
) -> dict[str, Any]:
    """Keep `count` reservable listings of organisations, with 10 pieces each, and give
    every such organisation a webhook endpoint for every event."""
    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.models import Listing, User, WebhookEndpoint
    from marketplace.partners.webhooks import EVENTS

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        rows = db.session.execute(
            sa.select(Listing.id, Listing.organisation_id)
            .where(Listing.id.in_(plan["reservable"]), Listing.organisation_id.is_not(None))
            .order_by(Listing.id)
            .limit(count)
        ).all()
        if not rows:
            raise RuntimeError("no reservable listing belongs to an organisation")
        ids = [row.id for row in rows]
        db.session.execute(
            sa.update(Listing)
            .where(Listing.id.in_(ids))
            .values(quantity_total=PIECES, quantity_available=PIECES)
        )
        creator = db.session.scalar(sa.select(User.id).order_by(User.id).limit(1))
        assert creator is not None
        organisations = sorted({row.organisation_id for row in rows})
        for organisation in organisations:
            db.session.add(
                WebhookEndpoint(
                    organisation_id=organisation,
                    url=hook_url,
                    description="fault bench",
                    events=list(EVENTS),
                    secret="whsec_fault_bench",  # noqa: S106  (a throwaway database)
                    created_by_id=creator,
                )
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {**plan, "reservable": ids, "organisations": len(organisations)}


# The driver, in its own process: every request with its start, duration and outcome


class Request(NamedTuple):
    route: str
    start: float  # wall clock, as the servers' rows are
    seconds: float
    status: int  # 599: no answer
    retry_after: bool
    failure: str | None  # "reset" or "timeout" when no answer came

    @property
    def end(self) -> float:
        return self.start + self.seconds

    @property
    def ok(self) -> bool:
        return self.failure is None and self.status < 500


def sign_in_once(port: int, email_address: str, timeout: float) -> tuple[int, Browser]:
    """A person signing in, in a browser of their own; 200 when they got in."""
    visitor = Browser(port, timeout)
    status, page = visitor.request("GET", "/login")
    token = TOKEN.search(page)
    if status != 200 or token is None:
        return status, visitor
    status, _ = visitor.form(
        "/login",
        {"csrf_token": token.group(1).decode(), "email": email_address, "password": PASSWORD},
    )
    return (200 if status == 302 else status), visitor


def drive(
    ports: list[int],
    threads: int,
    plan: dict[str, Any],
    timeout: float,
    longest: float,
    ready: Any,
    stop: Any,
    results: Any,
) -> None:
    """Runs until `stop` is set (at most `longest` seconds); puts the requests on `results`."""
    requests: list[Request] = []
    problems: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads, action=ready.set)
    deadline = time.monotonic() + longest

    def worker(number: int) -> None:
        chance = random.Random(number)
        port = ports[number % len(ports)]  # a tab stays with one server
        browser = Browser(port, timeout)
        account = f"resident{number}@load.example"
        try:
            token = sign_in(browser, account)
        except AssertionError as error:
            token = ""
            with lock:
                problems.append(f"driver {number} could not sign in: {error}")
        barrier.wait()
        batch = 0
        while not stop.is_set() and time.monotonic() < deadline:
            route = chance.choices(list(MIX), list(MIX.values()))[0]
            started, clock = time.time(), time.perf_counter()
            used = browser
            if route == "sign in":
                status, used = sign_in_once(port, account, timeout)
            else:
                status = act(browser, chance, route, token, plan, number, batch)
            elapsed = time.perf_counter() - clock
            batch += route == "partner batch"
            headers = used.headers
            request = Request(
                route,
                started,
                elapsed,
                status,
                headers is not None and "Retry-After" in headers,
                used.failure,
            )
            with lock:
                requests.append(request)
            if not request.ok:
                time.sleep(PAUSE_AFTER_ERROR)

    def guarded(number: int) -> None:
        try:
            worker(number)
        except Exception as error:  # the harness failed, not the product: report it
            with lock:
                problems.append(f"driver {number} stopped: {error!r}")
            barrier.abort()

    pool = [threading.Thread(target=guarded, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put({"requests": requests, "problems": problems})


# Processes: finding the one to kill, and their logs


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces; the parent follows it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return sorted(found)


def owner_of(local_port: int, candidates: list[int]) -> int | None:
    """Which of `candidates` holds the TCP socket bound to `local_port` on 127.0.0.1."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                inodes.add(f"socket:[{fields[9]}]")
    for pid in candidates:
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if links & inodes:
            return pid
    return None


class Logs:
    """The servers' and runners' logs, one file each, and the tracebacks in them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.files: list[IO[bytes]] = []
        # Files are appended to, so a kept folder's earlier runs must not count.
        self.counted = self.tracebacks()

    def open(self, name: str) -> IO[bytes]:
        handle = (self.folder / f"{name}.log").open("ab")
        self.files.append(handle)
        return handle

    def new_tracebacks(self) -> int:
        """The tracebacks logged since the last call."""
        total = self.tracebacks()
        new, self.counted = total - self.counted, total
        return new

    def tracebacks(self) -> int:
        total = 0
        for path in self.folder.glob("*.log"):
            with path.open("rb") as handle:
                total += sum(1 for line in handle if b"Traceback" in line)
        return total

    def close(self) -> None:
        for handle in self.files:
            handle.close()


class Runners:
    """The job runners, any of which can be killed and started again."""

    def __init__(self, settings: dict[str, str], count: int, logs: Logs) -> None:
        self.settings = settings
        self.logs = logs
        self.processes = [self._start(n) for n in range(count)]

    def _start(self, number: int) -> Any:
        return start_runner(self.settings, self.logs.open(f"runner-{number}"))

    def kill(self, pid: int) -> int:
        number = [process.pid for process in self.processes].index(pid)
        self.processes[number].send_signal(signal.SIGKILL)
        self.processes[number].wait(10)
        return number

    def restart(self, number: int) -> None:
        self.processes[number] = self._start(number)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def servers(env: dict[str, str], count: int, logs: Logs) -> Iterator[list[Any]]:
    """Like bench/load.py's, but each server logs to a file and its master is known."""
    started: list[tuple[Any, int]] = []
    try:
        for number in range(count):
            output = logs.open(f"server-{number}")
            started.append(start_gunicorn(env, "wsgi:app", max(1, 4 // count), output))
        for _, port in started:
            if not wait_until_serving(port, "/healthz"):
                raise RuntimeError(f"the server on port {port} did not answer /healthz")
        yield started
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


# The faults


@dataclass
class Phase:
    name: str
    title: str
    start: float
    returned: float = 0.0  # when the dependency came back
    end: float = 0.0  # the next phase's start
    notes: list[str] = field(default_factory=list)
    tracebacks: int = 0  # logged during the phase
    out_of_balance: int = 0
    reserved: int = 0  # reservations made by the phase's end


@dataclass
class Rig:
    database: FaultyProxy
    redis: FaultyProxy
    sink: SlowMailSink
    runners: Runners
    masters: list[int]
    args: argparse.Namespace


def fault_cuts(rig: Rig, phase: Phase) -> None:
    rig.sink.delay = rig.args.smtp_delay
    cuts = 0
    until = phase.start + rig.args.window
    while time.time() < until:
        rig.database.cut()
        cuts += 1
        time.sleep(min(rig.args.cut_every, max(0.0, until - time.time())))
    rig.sink.delay = 0.0
    phase.notes.append(f"{cuts} cuts")


def fault_mode(proxy: Callable[[Rig], FaultyProxy], mode: str) -> Callable[[Rig, Phase], None]:
    def fault(rig: Rig, phase: Phase) -> None:
        target = proxy(rig)
        target.set(mode)
        if mode == "refuse":
            target.cut()  # a server that went down took its connections with it
        time.sleep(max(0.0, phase.start + rig.args.window - time.time()))
        target.set("forward")

    return fault


def fault_kill(rig: Rig, phase: Phase) -> None:
    rig.sink.delay = rig.args.smtp_delay
    runners = [process.pid for process in rig.runners.processes]
    victim, caught = None, False
    # Most of the window may pass before a runner is caught sending; the rest still counts.
    until = time.time() + max(1.0, rig.args.window - 2)
    while victim is None and time.time() < until:
        for port in list(rig.sink.sending):
            victim = owner_of(port, runners)
            if victim is not None:
                caught = True
                break
        else:
            time.sleep(0.05)
    if victim is None:
        victim = runners[0]
    number = rig.runners.kill(victim)
    phase.notes.append(
        f"runner {number} killed {'while sending' if caught else '(no e-mail was being sent)'}"
    )
    workers = children_of(rig.masters[0])
    if workers:
        worker = random.Random(0).choice(workers)
        os.kill(worker, signal.SIGKILL)
        phase.notes.append(f"web worker {worker} of server 0 killed")
    else:
        phase.notes.append("no web worker found to kill")
    time.sleep(1)
    rig.runners.restart(number)
    phase.returned = time.time()
    time.sleep(max(0.0, phase.start + rig.args.window - time.time()))
    rig.sink.delay = 0.0


RUN: dict[str, Callable[[Rig, Phase], None]] = {
    "cuts": fault_cuts,
    "stall": fault_mode(lambda rig: rig.database, "stall"),
    "refuse": fault_mode(lambda rig: rig.database, "refuse"),
    "redis": fault_mode(lambda rig: rig.redis, "refuse"),
    "kill": fault_kill,
}


def run_phases(rig: Rig, chosen: list[str], logs: Logs, direct_url: str) -> list[Phase]:
    args = rig.args
    phases = [Phase("baseline", TITLES["baseline"], time.time())]
    phases[0].returned = phases[0].start
    time.sleep(args.baseline)
    for name in chosen:
        measure(phases[-1], logs, direct_url)
        phase = Phase(name, TITLES[name].format(**vars(args)), time.time())
        phases[-1].end = phase.start
        phases.append(phase)
        log(f"fault: {phase.title}, {args.window:g} s")
        RUN[name](rig, phase)
        phase.returned = phase.returned or time.time()
        log(f"fault over; {args.after:g} s of healthy running")
        time.sleep(args.after)
    measure(phases[-1], logs, direct_url)
    phases[-1].end = time.time()
    return phases


def measure(phase: Phase, logs: Logs, direct_url: str) -> None:
    """What the logs and the stock say at the end of `phase`."""
    phase.tracebacks = logs.new_tracebacks()
    phase.out_of_balance, phase.reserved = out_of_balance(direct_url)


def settle(direct_url: str, seconds: float) -> tuple[int, int]:
    """Give the runners time to send what is left; the e-mails and webhooks still unsent."""
    engine = sa.create_engine(direct_url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with engine.connect() as connection:
                mails = connection.execute(
                    sa.text(
                        "SELECT COUNT(*) FROM notifications "
                        "WHERE emailed_at IS NULL AND email_attempts < 8"
                    )
                ).scalar_one()
                hooks = connection.execute(
                    sa.text(
                        "SELECT COUNT(*) FROM webhook_deliveries "
                        "WHERE status = 'pending' AND next_attempt_at <= now()"
                    )
                ).scalar_one()
            if (mails == 0 and hooks == 0) or time.monotonic() > deadline:
                return int(mails), int(hooks)
            time.sleep(1)
    finally:
        engine.dispose()


# Comparing what was promised with what arrived


def epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def name_of(phases: list[Phase], moment: float) -> str:
    for phase in phases:
        if phase.start <= moment < phase.end:
            return phase.name
    return OUTSIDE


@dataclass
class Outbox:
    expected: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    duplicated: Counter[str] = field(default_factory=Counter)
    late: Counter[str] = field(default_factory=Counter)
    again: Counter[str] = field(default_factory=Counter)  # arrived, not marked sent
    notes: list[str] = field(default_factory=list)


def squeezed(subject: str) -> str:
    """A subject without its spaces: the email package drops the space between two encoded
    words when it reads a folded header back, so the same subject can come back altered."""
    return "".join(subject.split())


NOTIFICATION_ID = re.compile(r"notification-(\d+)@")
LINK = re.compile(r"https?://[^/\s]+(/[^\s<>\"')]*)")


@dataclass
class Promise:
    """A notification meant to be e-mailed, and when copies of its e-mail arrived."""

    created: float
    marked: bool  # emailed_at is set
    key: tuple[str, str, str | None]  # recipient, subject without spaces, the link's path
    arrivals: list[float] = field(default_factory=list)


def promised_mail(direct_url: str) -> dict[int, Promise]:
    from flask_babel import force_locale
    from sqlalchemy.orm import selectinload

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.mail import notifications
    from marketplace.mail.mailer import header_value
    from marketplace.models import Notification

    app = create_app({"SQLALCHEMY_DATABASE_URI": direct_url})
    promised = {}
    with app.test_request_context():
        rows = db.session.scalars(
            sa.select(Notification)
            # Born done: kept in the app only, never meant to be e-mailed.
            .where(~sa.and_(Notification.email_attempts == 0, Notification.emailed_at.is_not(None)))
            .options(selectinload(Notification.user))
        )
        for row in rows:
            with force_locale(str(row.user.locale)):
                template = notifications.SUBJECTS.get(row.kind)
                subject = header_value(str(template) % row.data if template else row.kind)
            try:
                path: str | None = notifications.link_of(row)
            except Exception:  # a kind whose link cannot be built: recipient and subject only
                path = None
            promised[row.id] = Promise(
                epoch(row.created_at),
                row.emailed_at is not None,
                (row.user.email.lower(), squeezed(subject), path),
            )
        db.session.remove()
        db.engine.dispose()
    return promised


def compare_mail(direct_url: str, sink: SlowMailSink, phases: list[Phase]) -> Outbox:
    """Each notification meant to be e-mailed against the messages received: by the
    notification's id in the Message-ID where the product puts it there, otherwise by
    recipient, subject and the link in the e-mail, paired in time order."""
    promised = promised_mail(direct_url)
    by_key: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
    for number, promise in sorted(promised.items(), key=lambda item: item[1].created):
        by_key[promise.key].append(number)
    arrived: dict[tuple[str, str, str | None], list[float]] = defaultdict(list)
    stray = exact = 0
    for moment, recipients, content in sorted(sink.received, key=lambda item: item[0]):
        message = email.message_from_bytes(content, policy=email.policy.default)
        named = NOTIFICATION_ID.search(str(message["Message-ID"] or ""))
        if named and int(named.group(1)) in promised:
            promised[int(named.group(1))].arrivals.append(moment)
            exact += 1
            continue
        subject = squeezed(str(message["Subject"]))
        body = message.get_body(preferencelist=("plain",))
        paths = LINK.findall(body.get_content() if body is not None else "")
        keys = [(recipients.lower(), subject, path) for path in [*paths, None]]
        key = next((key for key in keys if key in by_key), None)
        if key is None:
            stray += 1
        else:
            arrived[key].append(moment)
    for key, moments in arrived.items():
        # Notifications of the same key whose e-mails came by id are already settled.
        waiting = [n for n in by_key[key] if not promised[n].arrivals] or by_key[key][-1:]
        for number, moment in enumerate(moments):
            promised[waiting[min(number, len(waiting) - 1)]].arrivals.append(moment)
    outbox = Outbox()
    for promise in promised.values():
        made = name_of(phases, promise.created)
        outbox.expected[made] += 1
        if not promise.arrivals:
            outbox.lost[made] += 1
            continue
        first = name_of(phases, promise.arrivals[0])
        if promise.arrivals[0] - promise.created > LATE:
            outbox.late[made] += 1
        # A repeat is made where the first copy went out but its sender could not mark it.
        outbox.duplicated[first] += len(promise.arrivals) - 1
        if not promise.marked:
            outbox.again[first] += 1
    outbox.notes.append(
        f"e-mails matched to notifications by Message-ID: {exact}, by recipient, subject and "
        f"link: {sum(len(moments) for moments in arrived.values())}, not at all: {stray}"
    )
    return outbox


def compare_hooks(direct_url: str, receiver: HookReceiver, phases: list[Phase]) -> Outbox:
    engine = sa.create_engine(direct_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, created_at, status FROM webhook_deliveries")
        ).all()
    engine.dispose()
    outbox = Outbox()
    known = set()
    with receiver.lock:
        received = Counter(receiver.deliveries)
        first = dict(receiver.first)
        unnamed = receiver.unnamed
    for row in rows:
        known.add(row.id)
        name = name_of(phases, epoch(row.created_at))
        outbox.expected[name] += 1
        copies = received.get(row.id, 0)
        if copies == 0:
            outbox.lost[name] += 1
            continue
        arrived = name_of(phases, first[row.id])
        outbox.duplicated[arrived] += copies - 1
        if str(row.status) != "delivered":
            outbox.again[arrived] += 1
    stray = sum(count for delivery, count in received.items() if delivery not in known)
    if stray or unnamed:
        outbox.notes.append(f"{stray + unnamed} webhook requests match no delivery")
    return outbox


def kind_of(request: Request) -> str:
    if request.failure is not None:
        return "no answer"
    if request.status == 503:
        return "503 + Retry-After" if request.retry_after else "503"
    if request.status >= 500:
        return "5xx"
    return "ok"


def recovery(phase: Phase, requests: list[Request], run: int) -> float | None:
    """Seconds from the dependency's return until `run` answers in a row, in the order they
    came, were not errors; None if that did not happen before the next phase."""
    after = sorted(
        (r for r in requests if phase.returned <= r.end < phase.end),
        key=lambda r: r.end,
    )
    streak: list[Request] = []
    for request in after:
        if not request.ok:
            streak = []
            continue
        streak.append(request)
        if len(streak) >= run:
            return max(0.0, streak[0].end - phase.returned)
    return None


COLUMNS = (
    "fault",
    "requests",
    "5xx (not 503)",
    "503 + Retry-After",
    "503 without",
    "resets / timeouts",
    "slowest s",
    "recovery s",
    "stock consistent",
    "e-mails lost / dup / late",
    "webhooks lost / dup",
    "tracebacks",
)


def table(
    phases: list[Phase],
    requests: list[Request],
    mail: Outbox,
    hooks: Outbox,
    run: int,
) -> list[list[str]]:
    rows = []
    for phase in phases:
        inside = [r for r in requests if phase.start <= r.end < phase.end]
        kinds = Counter(kind_of(r) for r in inside)
        failures = Counter(r.failure for r in inside if r.failure)
        slowest = max((r.seconds for r in inside), default=0.0)
        if phase.name == "baseline":
            recovered = "–"
        else:
            seconds = recovery(phase, requests, run)
            recovered = (
                f"{seconds:.1f}" if seconds is not None else f"> {phase.end - phase.returned:.0f}"
            )
        name = phase.name
        rows.append(
            [
                phase.title,
                str(len(inside)),
                str(kinds["5xx"]),
                str(kinds["503 + Retry-After"]),
                str(kinds["503"]),
                f"{failures['reset']} / {failures['timeout']}",
                f"{slowest:.1f}",
                recovered,
                "yes" if phase.out_of_balance == 0 else f"NO ({phase.out_of_balance} listings)",
                f"{mail.lost[name]} / {mail.duplicated[name]} / {mail.late[name]}"
                f" of {mail.expected[name]}",
                f"{hooks.lost[name]} / {hooks.duplicated[name]} of {hooks.expected[name]}",
                str(phase.tracebacks),
            ]
        )
    return rows


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(
    phases: list[Phase],
    requests: list[Request],
    mail: Outbox,
    hooks: Outbox,
    setup: str,
    args: argparse.Namespace,
    unsent: tuple[int, int],
) -> None:
    run = args.threads
    print()
    print(setup)
    print()
    print(markdown(table(phases, requests, mail, hooks, run)))
    print()
    print(
        f"Each row counts the requests answered from the fault's start until the next row "
        f"(the fault's {args.window:g} s and {args.after:g} s after it). Resets / timeouts: no "
        f"answer (connection reset or refused / none within {args.timeout:g} s). Recovery: from "
        f"the dependency's return (for `kill`, the runner's restart) until {run} answers in a "
        f"row were not errors. E-mails and webhooks lost (not received after "
        f"{args.drain:g} s of draining) or late (more than {LATE:.0f} s after the "
        f"notification) are counted in the row in which their notification or delivery was "
        f"made; a duplicate in the row in which the first copy arrived."
    )
    print()
    reserved_before = 0
    for phase in phases:
        inside = [r for r in requests if phase.start <= r.end < phase.end]
        failing = Counter(r.route for r in inside if not r.ok)
        refused = Counter(r.status for r in inside if r.failure is None and 400 <= r.status < 500)
        notes = [*phase.notes, f"{phase.reserved - reserved_before} reservations made"]
        reserved_before = phase.reserved
        if failing:
            notes.append("errors by route: " + ", ".join(f"{k} {v}" for k, v in failing.items()))
        if refused:
            notes.append("4xx: " + ", ".join(f"{k}: {v}" for k, v in sorted(refused.items())))
        if mail.again[phase.name]:
            notes.append(
                f"{mail.again[phase.name]} e-mails arrived but are not marked sent "
                "(they go out again when their claim runs out)"
            )
        if hooks.again[phase.name]:
            notes.append(f"{hooks.again[phase.name]} webhooks arrived but are not marked delivered")
        print(f"- {phase.title}: " + "; ".join(notes))
    for note in mail.notes + hooks.notes:
        print(f"- {note}")
    if mail.expected[OUTSIDE] or hooks.expected[OUTSIDE]:
        print(
            f"- outside every row: {mail.expected[OUTSIDE]} notifications, "
            f"{hooks.expected[OUTSIDE]} webhook deliveries"
        )
    print(
        f"- left after draining: {unsent[0]} e-mails unsent, {unsent[1]} webhook deliveries pending"
    )


# Putting it together


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--window", type=float, default=15, help="seconds each fault lasts")
    parser.add_argument("--after", type=float, default=15, help="healthy seconds after each")
    parser.add_argument("--baseline", type=float, default=10, help="healthy seconds first")
    parser.add_argument("--drain", type=float, default=60, help="seconds to send what is left")
    parser.add_argument("--faults", default=",".join(FAULTS), help="which, in this order")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--listings", type=int, default=5_000)
    parser.add_argument("--reservable", type=int, default=100, help="listings of 10 pieces")
    parser.add_argument("--servers", type=int, default=2, help="gunicorn servers, 4 workers in all")
    parser.add_argument("--runners", type=int, default=2, help="`flask jobs run` processes")
    parser.add_argument("--smtp-delay", type=float, default=1.0, help="seconds per message")
    parser.add_argument("--cut-every", type=float, default=1.0, help="seconds between cuts")
    parser.add_argument("--timeout", type=float, default=30, help="a person's patience, seconds")
    parser.add_argument(
        "--postgres", default="postgresql://postgres@127.0.0.1:5432/marketplace_faults"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--logs", type=Path, help="keep the servers' and runners' logs here")
    args = parser.parse_args(argv)
    args.chosen = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(args.chosen) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}; choose from {FAULTS}")
    bounds = {"window": (1, 120), "after": (1, 120), "baseline": (1, 120), "drain": (0, 600)}
    for name, (low, high) in bounds.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be between {low} and {high} seconds")
    if args.cut_every <= 0 or args.threads < 1:
        parser.error("--cut-every and --threads must be positive")
    return args


def proxied(url: str, proxy: FaultyProxy) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host).geturl()


def main() -> None:
    args = parse()
    started = time.monotonic()
    direct_url = fresh_postgres(args.postgres)
    database_target = urlsplit(args.postgres)
    redis_target = urlsplit(args.redis)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        logs = Logs(args.logs or folder / "logs")
        stack.callback(logs.close)
        receiver = stack.enter_context(hook_receiver())
        sink = SlowMailSink()
        mail_port = stack.enter_context(smtp_server(sink))
        env = {**environment(direct_url, folder), **SETTINGS}
        plan = prepare(env, args.listings, args.threads)
        plan = make_scarce_and_subscribe(direct_url, plan, args.reservable, receiver.url)
        log(
            f"prepared {args.listings} listings, {len(plan['reservable'])} of them reservable "
            f"with {PIECES} pieces, {plan['organisations']} webhook endpoints, "
            f"in {time.monotonic() - started:.0f} s"
        )
        database = FaultyProxy(
            database_target.hostname or "127.0.0.1", database_target.port or 5432
        )
        stack.callback(database.close)
        redis = FaultyProxy(redis_target.hostname or "127.0.0.1", redis_target.port or 6379)
        stack.callback(redis.close)
        served = {
            **env,
            "DATABASE_URL": proxied(direct_url, database),
            "RATELIMIT_STORAGE_URI": proxied(args.redis, redis),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(mail_port),
        }
        started_servers = stack.enter_context(servers(served, args.servers, logs))
        runners = Runners(served, args.runners, logs)
        stack.callback(runners.stop)
        ports = [port for _, port in started_servers]
        longest = args.baseline + len(args.chosen) * (args.window + args.after) + 120
        context = multiprocessing.get_context("spawn")
        ready, stop, results = context.Event(), context.Event(), context.Queue()
        driver = context.Process(
            target=drive,
            args=(ports, args.threads, plan, args.timeout, longest, ready, stop, results),
        )
        driver.start()
        stack.callback(lambda: driver.is_alive() and driver.terminate())
        if not ready.wait(120):
            raise RuntimeError("the driver's people did not all sign in within 120 s")
        log(f"load running ({args.threads} people); baseline {args.baseline:g} s")
        rig = Rig(
            database, redis, sink, runners, [process.pid for process, _ in started_servers], args
        )
        phases = run_phases(rig, args.chosen, logs, direct_url)
        stop.set()
        outcome = results.get(timeout=args.timeout + 120)
        driver.join(60)
        if outcome["problems"]:
            raise RuntimeError("the driver failed: " + "; ".join(outcome["problems"]))
        log(f"load stopped; up to {args.drain:g} s for the runners to send what is left")
        unsent = settle(direct_url, args.drain)
        mail = compare_mail(direct_url, sink, phases)
        hooks = compare_hooks(direct_url, receiver, phases)
        setup = (
            f"{args.servers} gunicorn servers with {max(1, 4 // args.servers)} workers each, "
            f"{args.runners} job runners, search backend {env.get('SEARCH_BACKEND', 'whoosh')}; "
            f"NOTIFICATIONS_DELIVERY={served['NOTIFICATIONS_DELIVERY']}, "
            f"WEBHOOKS_DELIVERY={served.get('WEBHOOKS_DELIVERY', 'thread (default)')}, "
            f"rate limits in Redis; {args.threads} people, {time.monotonic() - started:.0f} s "
            f"in all"
        )
        report(phases, outcome["requests"], mail, hooks, setup, args, unsent)


if __name__ == "__main__":
    main()
