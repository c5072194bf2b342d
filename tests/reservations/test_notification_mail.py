"""Notification e-mails leave through an outbox: only committed ones, each once, and the
ones a mail outage held back go out later."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from marketplace.core.clock import utcnow
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import Listing, Notification, Reservation, User
from marketplace.reservations import transitions
from tests.conftest import CollectingHandler, free_port


def unsent() -> int:
    db.session.rollback()
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.emailed_at.is_(None))
        )
        or 0
    )


def test_the_job_sends_what_is_pending_once(
    smtp_server: CollectingHandler,
    app: Flask,
    bricks: Listing,
    lister: User,
    requester: User,
    reserve: Callable[..., Reservation],
) -> None:
    app.config["NOTIFICATIONS_DELIVERY"] = "job"
    reservation = reserve(requester, bricks, 10)
    transitions.accept(reservation, lister)
    assert smtp_server.messages == [] and unsent() == 2
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.output.strip().splitlines()[-1] == "sent 2 e-mails"
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "lister@example.fi",
        "resident@example.fi",
    ]
    assert notifications.deliver_pending() == 0
    assert len(smtp_server.messages) == 2


def test_a_mail_outage_is_retried_later(
    app: Flask, bricks: Listing, requester: User, reserve: Callable[..., Reservation]
) -> None:
    from aiosmtpd.controller import Controller

    port = free_port()
    app.config.update(
        NOTIFICATIONS_DELIVERY="job", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2
    )
    reserve(requester, bricks, 10)
    assert notifications.deliver_pending() == 0  # nothing listens on the port yet
    failed = db.session.scalar(sa.select(Notification))
    assert failed is not None and failed.email_error and failed.email_attempts == 1
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert notifications.deliver_pending() == 0  # still claimed by the failed attempt
        db.session.execute(
            sa.update(Notification).values(email_claimed_at=utcnow() - timedelta(minutes=6))
        )
        db.session.commit()
        assert notifications.deliver_pending() == 1
    finally:
        controller.stop()
    assert [m["To"] for m in handler.messages] == ["lister@example.fi"]


def test_two_senders_at_once_send_each_e_mail_once(
    smtp_server: CollectingHandler,
    app: Flask,
    bricks: Listing,
    make_user: Any,
    reserve: Callable[..., Reservation],
) -> None:
    app.config["NOTIFICATIONS_DELIVERY"] = "job"
    for _ in range(12):
        reserve(make_user(), bricks, 1)
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def sender() -> None:
        with app.app_context():
            barrier.wait()
            sent.append(notifications.deliver_pending())
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(sent) == 12
    assert len(smtp_server.messages) == 12


def test_the_background_sender_delivers_after_commit(
    smtp_server: CollectingHandler,
    app: Flask,
    bricks: Listing,
    requester: User,
    reserve: Callable[..., Reservation],
) -> None:
    app.config["NOTIFICATIONS_DELIVERY"] = "thread"
    reserve(requester, bricks, 10)
    deadline = time.monotonic() + 10
    # The message reaches the SMTP server a moment before the sender records it as sent.
    while (not smtp_server.messages or unsent()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["To"] for m in smtp_server.messages] == ["lister@example.fi"]
    assert unsent() == 0
