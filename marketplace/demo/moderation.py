"""Moderation in the demo marketplace: listings held for review, notices waiting in the queue,
and one decision that was contested and reversed, so that the console's queue, a statement
of reasons, a complaint and the transparency report all have something to show."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    DecisionAction,
    Language,
    Listing,
    ListingStatus,
    ModerationCase,
    ModerationTarget,
    Notice,
    NoticeReason,
    User,
)
from marketplace.moderation import complaints, decisions, notices

MODERATOR = "moderaattori@kera.example"
ADMIN = "admin@kera.example"
# One surveyed listing stays held, for the queue's "held for review".
KEPT_FOR_REVIEW = "Lämpöpatterit, teräs, 12 kpl"


def _listing(title: str) -> Listing | None:
    return db.session.scalar(sa.select(Listing).where(Listing.title == title).limit(1))


def approve_surveyed(users: dict[str, User]) -> int:
    """The moderator has checked the hazard surveys of the demo's demolition material, all
    but one; returns how many were approved now."""
    held = db.session.scalars(
        sa.select(Listing.id)
        .where(Listing.status == ListingStatus.PENDING_REVIEW, Listing.title != KEPT_FOR_REVIEW)
        .order_by(Listing.id)
    ).all()
    for listing_id in held:
        decisions.approve_listing(listing_id, users[MODERATOR])
    return len(held)


# (listing title, reason, explanation, reporter e-mail, reporter's account or None, language)
NOTICES = [
    (
        "Filmivaneri 21 mm, käytetty, 25 levyä",
        NoticeReason.FRAUD_OR_SCAM,
        "Sama ilmoitus on Torissa toisella nimellä, ja myyjä pyysi sieltä ennakkomaksua.",
        "laura.korhonen@example.fi",
        True,
        Language.FI,
    ),
    (
        "Filmivaneri 21 mm, käytetty, 25 levyä",
        NoticeReason.FRAUD_OR_SCAM,
        "Minulta pyydettiin 50 euron varausmaksu tilisiirrolla tästä ilmoituksesta.",
        "pekka.ilmoittaja@example.fi",
        False,
        Language.FI,
    ),
    (
        "Butiksdisk i ek med glasmonter, 180 cm",
        NoticeReason.INTELLECTUAL_PROPERTY,
        "Bilderna är kopierade från en möbelbutiks webbplats, jag känner igen dem.",
        "erik.sjoberg@example.fi",
        True,
        Language.SV,
    ),
]
CONTESTED = (
    "Vanha peiliovi 8 × 21",
    NoticeReason.HAZARDOUS_UNDECLARED,
    "60-luvun ovessa on todennäköisesti lyijymaalia, eikä ilmoituksessa kerrota siitä.",
    "sam.taylor@example.com",
)
FACTS = (
    "The door is from a 1960s building and painted, and the listing gives no survey of the "
    "paint. Paint of that age may contain lead, which must be declared."
)
COMPLAINT = (
    "Maali on tutkittu: taloyhtiön haitta-ainekartoituksen mukaan ovien maalissa ei ole "
    "lyijyä. Lisäsin kartoituksen tiedot ilmoitukseen."
)
OUTCOME = (
    "The housing company's survey of hazardous substances covers the doors and found no "
    "lead. The listing is restored."
)


def _report(
    title: str, reason: NoticeReason, text: str, email: str, user: User | None, language: Language
) -> bool:
    listing = _listing(title)
    if listing is None or listing.status != ListingStatus.ACTIVE:
        return False
    entry = notices.NoticeEntry(
        reason=reason,
        explanation=text,
        location="",
        name=user.display_name if user is not None else "Pekka",
        email=email,
        good_faith=True,
    )
    notices.submit_notice(
        ModerationTarget.LISTING,
        listing.id,
        entry,
        reporter=user,
        locale=language,
        source_address=None,
    )
    return True


def _contest(users: dict[str, User]) -> None:
    title, reason, text, email = CONTESTED
    if not _report(title, reason, text, email, users[email], Language.EN):
        return
    listing = _listing(title)
    assert listing is not None
    decision = decisions.decide_on_item(
        ModerationTarget.LISTING,
        listing.id,
        users[MODERATOR],
        decisions.DecisionEntry(
            DecisionAction.REMOVE_LISTING, "terms-hazard-declaration", "", FACTS
        ),
    )
    # A day between the notice and the decision, as in real life.
    db.session.execute(
        sa.update(ModerationCase)
        .where(ModerationCase.id == decision.case_id)
        .values(opened_at=decision.decided_at - timedelta(hours=26))
    )
    db.session.commit()
    complaint = complaints.file_complaint(decision.id, listing.owner, COMPLAINT)
    complaints.handle_complaint(complaint.id, users[ADMIN], reverse=True, outcome=OUTCOME)


def ensure_moderation(users: dict[str, User]) -> int:
    """Notices in the queue and one decided complaint; returns how many notices there are
    now, or 0 when the demo's notices were there already."""
    reporters = [notice[3] for notice in NOTICES] + [CONTESTED[3]]
    present = sa.select(Notice.id).where(Notice.reporter_email.in_(reporters))
    if db.session.scalar(sa.select(present.exists())):
        return 0
    for title, reason, text, email, has_account, language in NOTICES:
        _report(title, reason, text, email, users.get(email) if has_account else None, language)
    _contest(users)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) or 0)
