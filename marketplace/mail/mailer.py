"""The one way the product sends e-mail: SMTP when MAIL_SERVER is set, the log otherwise.

Messages are rendered from templates/email/<name>.txt in the recipient's language. Mail from
an outbox names its Message-ID after its outbox entry (`message_id`), so that a copy sent
again after a crash is the same message to the mail systems that de-duplicate; other mail
gets a random one.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from marketplace.core.inputs import one_line
from marketplace.models import User

logger = logging.getLogger(__name__)


def recipient_of(user: User) -> dict[str, str]:
    """What a message needs of its recipient, readable after the session has closed."""
    return recipient_at(user.email, user.locale, user.display_name)


def recipient_at(address: str, locale: str, display_name: str = "") -> dict[str, str]:
    """A recipient who need not have an account (someone who reported content, say): an
    address, the language to write in, and a name if they gave one. Such mail has no
    notification row to be its outbox entry; its sender keeps its own (see
    `moderation.reporter_mail`) and hands its delivery to `outbox.send_after_commit`."""
    return {"email": address, "locale": str(locale), "display_name": display_name}


def send_to_user(
    user: User,
    template: str,
    subject: Any,
    *,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> None:
    send_rendered(recipient_of(user), template, subject, headers=headers, **context)


def send_rendered(
    recipient: Mapping[str, Any],
    template: str,
    subject: Any,
    *,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> None:
    """Render templates/email/<template>.txt and the subject (a lazy string whose
    %(name)s placeholders take `context["details"]`) in the recipient's language."""
    with force_locale(str(recipient["locale"])):
        body = render_template(f"email/{template}.txt", recipient=recipient, **context)
        subject_text = str(subject) % context.get("details", {})
        send(str(recipient["email"]), subject_text, body, headers)


def message_id(entry: str) -> str:
    """The Message-ID of the e-mail of one outbox entry, e.g. "notification-1234": the same
    for every attempt, at the domain the product is reached at (RFC 5322, section 3.6.4)."""
    return f"<{entry}@{_domain()}>"


def _domain() -> str:
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "kera.example"


def header_value(text: Any) -> str:
    """A header value built from anything a user typed, on one line: a CR or LF would end
    the header (RFC 5322 header injection; the email package refuses the message outright),
    so a title stored with one would fail every e-mail about it. Controls, line breaks and
    invisible characters become spaces here, where every header passes."""
    return one_line(str(text))


def send(to: str, subject: str, body: str, headers: Mapping[str, str] | None = None) -> None:
    """`headers` adds to the standard ones, e.g. List-Unsubscribe (RFC 2369 and 8058), or
    replaces the Message-ID (see `message_id`)."""
    config = current_app.config
    extra = dict(headers or {})
    message = EmailMessage()
    message["From"] = header_value(config["MAIL_DEFAULT_SENDER"])
    message["To"] = header_value(to)
    message["Subject"] = header_value(subject)
    message["Message-ID"] = header_value(
        extra.pop("Message-ID", None) or make_msgid(domain=_domain())
    )
    for name, value in extra.items():
        message[name] = header_value(value)
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        logger.info("e-mail (no MAIL_SERVER set) to %s: %s\n%s", to, message["Subject"], body)
        return
    _deliver(message)


def _deliver(message: EmailMessage) -> None:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    smtp: smtplib.SMTP
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
