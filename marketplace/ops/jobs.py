"""Background duties, run by `flask jobs run` as a loop or once from cron.

Every duty is safe to run from several runners at once: each claims what it works on with a
compare-and-set (a conditional UPDATE) before acting, so two runners never do the same piece
of work, and a runner that dies mid-way leaves the rest for the next run.

Every duty needs the database. A round that finds it unreachable ends there (the other duties
would fail the same way), the outage is logged once (core.outages), and the next round comes
after 1 s, then every 2 s (never later than the usual interval) until the database answers
again: a round that finds it down costs one failed connection, and the work that piled up
meanwhile goes out within seconds of its return.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from marketplace.alerts import matching
from marketplace.alerts import services as alert_services
from marketplace.auth import suspension
from marketplace.core import outages
from marketplace.core.outages import DATABASE
from marketplace.database import unreachable_reason
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.mail import notifications
from marketplace.moderation import reporter_mail
from marketplace.partners import feeds, webhooks
from marketplace.payments import services as payments
from marketplace.privacy import retention
from marketplace.reservations import expiry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    name: str
    run: Callable[[], int]  # returns how many things it did


def duties(app: Flask) -> list[Duty]:
    """The duties `register_jobs` registered (in `app.extensions["jobs"]`), in order."""
    found: list[Duty] = app.extensions.setdefault("jobs", [])
    return found


def register_duty(app: Flask, name: str, run: Callable[[], int]) -> None:
    if all(duty.name != name for duty in duties(app)):
        duties(app).append(Duty(name, run))


def run_once(app: Flask) -> dict[str, int]:
    """Run every duty once; one failing duty is logged and does not stop the others, but an
    unreachable database ends the round (the duties it did not reach are not in the report)."""
    done: dict[str, int] = {}
    for duty in duties(app):
        try:
            with app.app_context():
                done[duty.name] = duty.run()
        except Exception as error:
            done[duty.name] = -1
            reason = unreachable_reason(error)
            if reason is not None:
                outages.of(app).noticed(DATABASE, reason)
                break
            logger.exception("duty %s failed; it runs again next time", duty.name)
            with app.app_context():
                db.session.rollback()
    return done


OUTAGE_FIRST_WAIT = 1.0
OUTAGE_LONGEST_WAIT = 2.0


def run_forever(
    app: Flask,
    interval: float,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run the duties every `interval` seconds (`rounds` bounds the loop for tests); while
    the database is down, every `OUTAGE_LONGEST_WAIT` seconds at most."""
    done = 0
    rounds_down = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        report = run_once(app)
        busy = {name: count for name, count in report.items() if count}
        if outages.of(app).is_down(DATABASE):
            rounds_down += 1
            wait = min(interval, OUTAGE_FIRST_WAIT if rounds_down == 1 else OUTAGE_LONGEST_WAIT)
        else:
            rounds_down = 0
            wait = interval - (time.monotonic() - started)
            if busy:
                logger.info("jobs: %s", busy)
        done += 1
        if rounds is None or done < rounds:
            sleep(max(0.0, wait))


def register_jobs(app: Flask) -> None:
    """Every duty of the product, in the order a round runs them: alerts and matches come
    before the notification e-mails, so that a round's alerts are e-mailed in that round."""
    register_duty(app, "saved-search alerts", alert_services.send_due)
    register_duty(app, "wanted-ad matches", matching.catch_up)
    register_duty(app, "partner webhooks", lambda: webhooks.deliver_due().total)
    register_duty(app, "partner feeds", lambda: len(feeds.pull_due()))
    # Sign-ins, notifications and partner idempotency records past their retention.
    register_duty(app, "privacy retention", retention.duty)
    register_duty(app, "reservation reminders", expiry.remind_due)
    register_duty(app, "reservation expiry", expiry.expire_due)
    register_duty(app, "listing expiry", listings.expire_listings)
    register_duty(app, "suspension ends", suspension.end_due)
    register_duty(app, "notification e-mails", notifications.deliver_pending)
    register_duty(app, "moderation e-mails to reporters", reporter_mail.deliver_pending)
    register_duty(app, "refunds", payments.send_pending_refunds)
