"""Sent once: notification e-mails, e-mails to reporters and partner webhooks reach their
recipient once although the database connection dies as they are handed over, and an entry
held by a sender that died goes out as soon as its lease has run out.

The tests that put the fault proxy in front of PostgreSQL skip on SQLite, where no proxy can
stand between the product and its database; the others run on both.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from marketplace import create_app
from marketplace.core.clock import today_in_finland, utcnow
from marketplace.extensions import db
from marketplace.mail import leases, mailer, notifications
from marketplace.models import (
    DeliveryStatus,
    Language,
    Listing,
    Notice,
    Notification,
    User,
    WebhookDelivery,
)
from marketplace.moderation import reporter_mail
from marketplace.ops import jobs
from marketplace.partners import webhooks
from marketplace.reservations import bookings
from marketplace.reservations.bookings import BookingRequest
from tests.conftest import database_variant, free_port
from tests.faults.conftest import FAST_DATABASE_TIMEOUTS
from tests.faults.proxy import FaultyProxy
from tests.moderation.conftest import report
from tests.partners.fixtures import Api, LocalServer, PartnerHandle, rental_item

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.0  # seconds: short, so that a lease runs out within a test


@pytest.fixture
def db_proxy(request: pytest.FixtureRequest, database_url: str) -> Iterator[FaultyProxy]:
    """A fault proxy in front of the test's PostgreSQL database."""
    if database_variant(request) != "postgresql":
        pytest.skip("the fault proxy stands in front of PostgreSQL only")
    given = sa.engine.make_url(database_url)
    proxy = FaultyProxy(given.host or "127.0.0.1", given.port or 5432)
    yield proxy
    proxy.close()


@pytest.fixture
def app_config(
    request: pytest.FixtureRequest, app_config: dict[str, Any], database_url: str
) -> dict[str, Any]:
    """Outboxes sent only when a test says so, with a short lease; through the proxy when
    the test asks for one."""
    app_config.update(
        NOTIFICATIONS_DELIVERY="job", WEBHOOKS_DELIVERY="job", OUTBOX_LEASE_SECONDS=LEASE
    )
    if "db_proxy" in request.fixturenames:
        proxy: FaultyProxy = request.getfixturevalue("db_proxy")
        url = sa.engine.make_url(database_url).set(host="127.0.0.1", port=proxy.port)
        app_config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
    return app_config


@pytest.fixture(autouse=True)
def no_record_left_behind() -> Iterator[None]:
    """A record a failed test left unwritten must not be written into the next test's rows
    (their ids start at 1 again)."""
    yield
    for lease in leases.unrecorded():
        lease.end()


class MailServer:
    """An SMTP server on 127.0.0.1 that keeps what it accepted, and can act at the moment it
    has a message but has not yet accepted it: run `before_accepting`, take `delay` seconds,
    refuse, or hold on until the sender is gone."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.offered: list[EmailMessage] = []
        self.before_accepting: Callable[[], None] | None = None
        self.delay = 0.0
        self.refusals = 0
        self.holding = False
        self.held = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.offered.append(message)
        if self.holding:
            self.held.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 The sender is gone"
        if self.refusals:
            self.refusals -= 1
            return "451 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.before_accepting is not None:
            self.before_accepting()
        self.messages.append(message)
        return "250 Message accepted"


@pytest.fixture
def mail(app: Flask) -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller

    server = MailServer()
    port = free_port()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=30)
    yield server
    server.released.set()
    controller.stop()


@pytest.fixture
def direct_app(
    app: Flask, app_config: dict[str, Any], database_url: str, mail: MailServer
) -> Iterator[Flask]:
    """Another process's sender, connected to the database without the proxy."""
    mail_settings = {name: app.config[name] for name in ("MAIL_SERVER", "MAIL_PORT")}
    other = create_app({**app_config, **mail_settings, "SQLALCHEMY_DATABASE_URI": database_url})
    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.fixture
def recipient(make_user: Callable[..., User]) -> User:
    return make_user(email="resident@example.fi", name="Resident")


def pending_notification(user: User, title: str = "Punatiilet") -> int:
    """A committed notification whose e-mail has not left."""
    notification = Notification(user_id=user.id, kind="message", data={"title": title})
    db.session.add(notification)
    db.session.commit()
    return notification.id


def notification(notification_id: int) -> Notification:
    leases.let_go(db.session)  # its connection may have died with the others
    db.session.expire_all()
    found = db.session.get(Notification, notification_id)
    assert found is not None
    return found


@contextmanager
def cut_at_commit(proxy: FaultyProxy, writes: Callable[[str], bool]) -> Iterator[list[str]]:
    """Cut every connection once, just before the first transaction that ran a statement
    `writes` picks commits: the statement ran, its commit never reaches the database."""
    engine = db.engine
    armed: list[str] = []
    fired: list[str] = []

    def noticed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not fired and writes(statement):
            armed.append(statement)

    def committing(_conn: Any) -> None:
        if armed and not fired:
            fired.append(armed[-1])
            proxy.cut()

    sa.event.listen(engine, "before_cursor_execute", noticed)
    sa.event.listen(engine, "commit", committing)
    try:
        yield fired
    finally:
        sa.event.remove(engine, "before_cursor_execute", noticed)
        sa.event.remove(engine, "commit", committing)


def setting(table: str, column: str) -> Callable[[str], bool]:
    """Picks the UPDATE that writes `column` first: the record, not the claim before it."""
    prefix = f"UPDATE {table} SET {column}="  # noqa: S608  (matched against, never run)
    return lambda statement: statement.startswith(prefix)


def restore_after(proxy: FaultyProxy, seconds: float) -> None:
    timer = threading.Timer(seconds, proxy.set, args=("forward",))
    timer.daemon = True
    timer.start()


def refuse_for(proxy: FaultyProxy, seconds: float) -> Callable[[], None]:
    """The database goes away for a while, taking the open connections with it."""

    def go_away() -> None:
        proxy.set("refuse")
        proxy.cut()
        restore_after(proxy, seconds)

    return go_away


def wait_for(condition: Callable[[], object], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


def in_thread(app: Flask, work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    done: list[Any] = []

    def run() -> None:
        with app.app_context():
            try:
                done.append(work())
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


# (a) The mail server accepts, the connection dies before "sent" is committed


@pytest.mark.parametrize("moment", ["sending", "committing"])
def test_an_e_mail_accepted_as_the_connection_dies_is_sent_once(
    app: Flask, db_proxy: FaultyProxy, mail: MailServer, recipient: User, moment: str
) -> None:
    notification_id = pending_notification(recipient)
    if moment == "sending":
        mail.before_accepting = db_proxy.cut
        assert notifications.deliver_pending() == 1
    else:
        with cut_at_commit(db_proxy, setting("notifications", "emailed_at")) as cut:
            assert notifications.deliver_pending() == 1
        assert cut, "the record's commit was not cut"
    assert len(mail.messages) == 1
    sent = notification(notification_id)
    assert sent.emailed_at is not None and sent.email_attempts == 1
    time.sleep(LEASE + 0.2)  # a lease later, no sender finds it unsent
    assert notifications.deliver_pending() == 0
    assert len(mail.messages) == 1


def test_a_reporter_e_mail_accepted_as_the_connection_dies_is_sent_once(
    app: Flask,
    db_proxy: FaultyProxy,
    mail: MailServer,
    make_listing: Callable[..., Listing],
) -> None:
    notice = report(make_listing(), locale=Language.EN)
    with cut_at_commit(db_proxy, setting("notices", "acknowledged_at")) as cut:
        mail.before_accepting = db_proxy.cut
        assert reporter_mail.deliver_pending() == 1
    assert cut
    time.sleep(LEASE + 0.2)
    assert reporter_mail.deliver_pending() == 0
    assert [m["Subject"].startswith("We received") for m in mail.messages] == [True]
    leases.let_go(db.session)
    stored = db.session.get(Notice, notice.id)
    assert stored is not None and stored.acknowledged_at is not None


# (b) The same for a webhook: the receiver answers 2xx as the connection dies


@pytest.fixture
def receiver(local_server: Callable[..., LocalServer], private_urls: None) -> LocalServer:
    return local_server((200, {}, b"thanks"))


@pytest.fixture
def listing(api: Api, partner: PartnerHandle, receiver: LocalServer) -> Listing:
    body = {"url": f"{receiver.url}/hooks", "events": ["reservation.requested"]}
    assert api.post("/webhooks", partner.key, body).status_code == 201
    answer = api.put("/inventory/SCAF-1", partner.key, rental_item())
    found = db.session.get(Listing, answer.get_json()["item"]["id"])
    assert found is not None
    return found


def book(listing: Listing, who: User) -> None:
    start = today_in_finland() + timedelta(days=3)
    bookings.book_equipment(who, listing, BookingRequest(start, start + timedelta(days=1), 1))


def delivery() -> WebhookDelivery:
    leases.let_go(db.session)
    db.session.expire_all()
    [found] = db.session.scalars(sa.select(WebhookDelivery))
    return found


def answer_after(act: Callable[[], None], status: int = 200) -> Callable[..., None]:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        act()
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


@pytest.mark.parametrize("moment", ["sending", "committing"])
def test_a_webhook_answered_as_the_connection_dies_is_delivered_once(
    app: Flask,
    db_proxy: FaultyProxy,
    listing: Listing,
    receiver: LocalServer,
    recipient: User,
    moment: str,
) -> None:
    book(listing, recipient)
    if moment == "sending":
        receiver.answer_with(answer_after(db_proxy.cut))
        outcome = webhooks.deliver_due()
    else:

        def recording(statement: str) -> bool:
            return statement.startswith("UPDATE webhook_deliveries SET") and (
                "last_status_code" in statement
            )

        with cut_at_commit(db_proxy, recording) as cut:
            outcome = webhooks.deliver_due()
        assert cut
    assert outcome.delivered == 1
    sent = delivery()
    assert sent.status == DeliveryStatus.DELIVERED and sent.attempts == 1
    assert [attempt.status_code for attempt in sent.attempt_log] == [200]
    time.sleep(LEASE + 0.2)
    assert webhooks.deliver_due().total == 0
    assert webhooks.deliver_due(utcnow() + timedelta(days=2)).total == 0
    assert len(receiver.received) == 1


# (c) A sender that dies holding a lease: the next one sends once the lease has run out


def test_an_e_mail_claimed_by_a_sender_that_died_goes_out_after_its_lease(
    app: Flask, mail: MailServer, recipient: User
) -> None:
    notification_id = pending_notification(recipient)
    lease = notifications._claim(notification_id)
    assert lease is not None
    lease.end()  # its process died: nobody renews the lease, nobody records anything
    assert notifications.deliver_pending() == 0
    assert mail.messages == []
    deadline = time.monotonic() + LEASE + 5
    while not notifications.deliver_pending():
        assert time.monotonic() < deadline, "never sent"
        time.sleep(0.05)
    assert len(mail.messages) == 1
    assert notification(notification_id).email_attempts == 2  # the dead sender's counts


def test_a_webhook_claimed_by_a_runner_that_died_goes_out_after_its_lease(
    app: Flask, listing: Listing, receiver: LocalServer, recipient: User
) -> None:
    book(listing, recipient)
    lease = webhooks._claim(delivery().id, utcnow())
    assert lease is not None
    lease.end()
    assert webhooks.deliver_due().total == 0
    time.sleep(LEASE + 0.1)
    assert webhooks.deliver_due().delivered == 1
    assert len(receiver.received) == 1


def test_a_sender_process_killed_while_sending_leaves_the_e_mail_to_the_next(
    app: Flask,
    app_config: dict[str, Any],
    database_url: str,
    mail: MailServer,
    recipient: User,
) -> None:
    """`flask notifications send` killed (SIGKILL) while the mail server has its message:
    the e-mail goes out from the next sender within a lease."""
    lease = 2.0
    app.config["OUTBOX_LEASE_SECONDS"] = lease
    notification_id = pending_notification(recipient)
    mail.holding = True
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": app_config["INSTANCE_PATH"],
        "SECRET_KEY": "test secret key",
        "SEARCH_BACKEND": app_config["SEARCH_BACKEND"],
        "SEARCH_INDEX_DIR": app_config["SEARCH_INDEX_DIR"],
        "UPLOAD_DIR": app_config["UPLOAD_DIR"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(app.config["MAIL_PORT"]),
        "MAIL_TIMEOUT": "60",
        "OUTBOX_LEASE_SECONDS": str(lease),
    }
    sender = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "notifications", "send"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert mail.held.wait(timeout=60), "the sender never reached the mail server"
    finally:
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=10)
    killed = time.monotonic()
    mail.holding = False
    mail.released.set()
    assert notification(notification_id).email_attempts == 1  # it was claimed
    while not notifications.deliver_pending():
        assert time.monotonic() - killed < lease + 5, "the next sender never sent it"
        time.sleep(0.1)
    assert len(mail.messages) == 1
    assert notification(notification_id).emailed_at is not None


def test_a_send_slower_than_the_lease_keeps_it(
    app: Flask, mail: MailServer, recipient: User
) -> None:
    """The sender's process renews its lease while the mail server takes its time, so a
    second sender running meanwhile never sends the same e-mail."""
    notification_id = pending_notification(recipient)
    mail.delay = 3 * LEASE
    first, done = in_thread(app, notifications.deliver_pending)
    wait_for(lambda: mail.offered)
    others = 0
    while first.is_alive():
        others += notifications.deliver_pending()
        time.sleep(0.05)
    first.join()
    assert done == [1] and others == 0
    assert len(mail.messages) == 1
    assert notification(notification_id).emailed_at is not None


def test_a_webhook_receiver_slower_than_the_lease_gets_it_once(
    app: Flask, listing: Listing, receiver: LocalServer, recipient: User
) -> None:
    book(listing, recipient)
    receiver.answer_with(answer_after(lambda: time.sleep(3 * LEASE)))
    first, done = in_thread(app, lambda: webhooks.deliver_due().delivered)
    wait_for(lambda: receiver.received)
    others = 0
    while first.is_alive():
        others += webhooks.deliver_due().total
        time.sleep(0.05)
    first.join()
    assert done == [1] and others == 0
    assert len(receiver.received) == 1


# (d) The database refuses connections for a while after the hand-over


def test_the_record_waits_for_the_database_and_nobody_sends_meanwhile(
    app: Flask,
    db_proxy: FaultyProxy,
    direct_app: Flask,
    mail: MailServer,
    recipient: User,
) -> None:
    """Gone for less than a lease: the sender writes its record when the database is back,
    and a sender that reaches the database all along finds the e-mail leased until then."""
    lease = 2.0
    app.config["OUTBOX_LEASE_SECONDS"] = direct_app.config["OUTBOX_LEASE_SECONDS"] = lease
    notification_id = pending_notification(recipient)
    mail.before_accepting = refuse_for(db_proxy, 0.8)
    first, done = in_thread(app, notifications.deliver_pending)
    wait_for(lambda: mail.offered)
    others = 0
    with direct_app.app_context():
        while first.is_alive():
            others += notifications.deliver_pending()
            time.sleep(0.05)
        first.join()
        others += notifications.deliver_pending()
        db.session.remove()
    assert done == [1] and others == 0
    assert len(mail.messages) == 1
    assert notification(notification_id).emailed_at is not None


def test_a_record_the_database_refused_for_long_is_kept_and_written_later(
    app: Flask, db_proxy: FaultyProxy, direct_app: Flask, mail: MailServer, recipient: User
) -> None:
    """Gone for longer than a lease: the process keeps the record in memory and writes it
    as soon as the database is back."""
    notification_id = pending_notification(recipient)
    mail.before_accepting = lambda: (db_proxy.set("refuse"), db_proxy.cut())
    assert notifications.deliver_pending() == 1  # sent; its record is not written yet
    [kept] = leases.unrecorded()
    assert kept.row_id == notification_id
    time.sleep(0.5)
    assert leases.unrecorded() == [kept]  # still trying while the database is away
    db_proxy.set("forward")
    assert leases.wait_for_records(timeout=10)
    with direct_app.app_context():
        assert notifications.deliver_pending() == 0
        db.session.remove()
    assert len(mail.messages) == 1
    assert notification(notification_id).emailed_at is not None


# (e) The Message-ID comes from the notification


def test_an_e_mail_keeps_its_message_id_when_it_is_sent_again(
    app: Flask, mail: MailServer, recipient: User
) -> None:
    first = pending_notification(recipient, "Ensimmäinen")
    second = pending_notification(recipient, "Toinen")
    mail.refusals = 1  # the first attempt at the first e-mail is refused
    assert notifications.deliver_pending() == 1
    db.session.execute(
        sa.update(Notification).values(email_claimed_at=utcnow() - notifications.RETRY_AFTER)
    )
    db.session.commit()
    assert notifications.deliver_pending() == 1
    ids = [message["Message-ID"] for message in mail.offered]
    assert ids == [
        f"<notification-{first}@127.0.0.1>",
        f"<notification-{second}@127.0.0.1>",
        f"<notification-{first}@127.0.0.1>",
    ]


def test_a_copy_that_slips_through_has_the_same_message_id(
    app: Flask, db_proxy: FaultyProxy, direct_app: Flask, mail: MailServer, recipient: User
) -> None:
    """What no sender can prevent: the database is out of this process's reach for longer
    than the lease while another process reaches it, and that one sends the e-mail again.
    The copy is the same message to the mail systems, which drop it."""
    notification_id = pending_notification(recipient)
    mail.before_accepting = lambda: (db_proxy.set("refuse"), db_proxy.cut())
    assert notifications.deliver_pending() == 1
    mail.before_accepting = None
    time.sleep(LEASE)  # nobody renews the lease while the database is out of reach
    with direct_app.app_context():
        assert notifications.deliver_pending() == 1  # so it ran out: a second copy
        db.session.remove()
    db_proxy.set("forward")
    assert leases.wait_for_records(timeout=10)  # the late record changes nothing
    copies = {message["Message-ID"] for message in mail.messages}
    assert len(mail.messages) == 2 and copies == {f"<notification-{notification_id}@127.0.0.1>"}
    assert notification(notification_id).email_attempts == 2


def test_other_mail_has_a_message_id_of_its_own(app: Flask, mail: MailServer) -> None:
    mailer.send("someone@example.fi", "Hello", "Body")
    mailer.send("someone@example.fi", "Hello", "Body")
    first, second = (message["Message-ID"] for message in mail.messages)
    assert first != second and first.endswith("@127.0.0.1>")


# (f) A job runner takes up new mail within seconds of a stall's end


class _Stopped(Exception):
    pass


@pytest.fixture
def fast_timeouts(app_config: dict[str, Any]) -> None:
    app_config.update(FAST_DATABASE_TIMEOUTS)


def test_a_runner_sends_new_mail_within_seconds_of_a_stall_ending(
    fast_timeouts: None, db_proxy: FaultyProxy, app: Flask, mail: MailServer, recipient: User
) -> None:
    stop = threading.Event()

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise _Stopped

    def run() -> None:
        with contextlib.suppress(_Stopped):
            jobs.run_forever(app, interval=30, sleep=sleep)

    recipient_id = recipient.id
    db.session.close()
    db_proxy.set("stall")
    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    time.sleep(6)  # the runner meets the stall: a round gives up, and it waits to try again
    db_proxy.set("forward")
    ended = time.monotonic()
    user = db.session.get(User, recipient_id)
    assert user is not None
    pending_notification(user)
    try:
        wait_for(lambda: mail.messages, timeout=20)
        assert time.monotonic() - ended < 6
    finally:
        stop.set()
        runner.join(timeout=30)
    assert len(mail.messages) == 1
