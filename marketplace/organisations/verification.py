"""Knowing the traders (DSA Art. 30): an organisation's owners give its trader details and
confirm that it offers only lawful goods; an administrator (or the operator from the CLI)
verifies or rejects it.

`decide` is the one place where `verified` and `verification_status` change, always
together: the partial unique index on verified business IDs, API keys that write, payouts
and the badge read `verified`, while the console and the owners read the status.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.core.clock import utcnow
from marketplace.errors import Conflict, Forbidden, MarketplaceError, ValidationError
from marketplace.extensions import db
from marketplace.mail import notifications
from marketplace.models import Organisation, User, VerificationStatus, audit
from marketplace.organisations.access import owners, require_owner

# Says only that a verified holder exists: other people's unverified claims stay unseen.
BUSINESS_ID_TAKEN = _l(
    "A verified organisation already has this business ID. If you work there, ask one of its "
    "owners to add you as a member."
)
MAX_NOTE = 2000
# What the owners are told of each decision (the kinds are in mail/notifications.py).
NOTIFICATION_KINDS = {
    VerificationStatus.VERIFIED: "organisation_verified",
    VerificationStatus.REJECTED: "organisation_rejected",
    VerificationStatus.UNVERIFIED: "organisation_unverified",
}


@dataclass(frozen=True)
class TraderDetails:
    """What a buyer must be able to see of a trader (Art. 30(1) and 31)."""

    street_address: str
    postal_code: str
    city: str
    phone: str
    email: str
    # Optional: a Finnish company's business ID is its trade register identifier.
    trade_register_number: str = ""


LIMITS = {
    "street_address": 200,
    "postal_code": 10,
    "city": 80,
    "phone": 40,
    "email": 254,
    "trade_register_number": 40,
}


def verified_holder(business_id: str, other_than: int | None = None) -> Organisation | None:
    query = sa.select(Organisation).where(
        Organisation.business_id == business_id, Organisation.verified.is_(True)
    )
    if other_than is not None:
        query = query.where(Organisation.id != other_than)
    return db.session.scalar(query.limit(1))


def flush_business_id(refusal: type[MarketplaceError] = ValidationError) -> None:
    """Flush, turning the partial unique index's refusal (a concurrent verification of the same
    business ID) into the field error."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise refusal(BUSINESS_ID_TAKEN, field="business_id") from error


def _checked(details: TraderDetails) -> TraderDetails:
    cleaned = {name: str(getattr(details, name)).strip() for name in LIMITS}
    for name, limit in LIMITS.items():
        if name != "trade_register_number" and not cleaned[name]:
            raise ValidationError(_l("This field is required."), field=name)
        if len(cleaned[name]) > limit:
            raise ValidationError(_l("Use at most %(count)d characters.", count=limit), field=name)
    if "@" not in cleaned["email"]:
        raise ValidationError(_l("Enter an e-mail address like name@example.fi."), field="email")
    return TraderDetails(**cleaned)


def submit(
    organisation: Organisation, actor: User, details: TraderDetails, *, certified: bool
) -> Organisation:
    """Save the trader's details. An organisation not yet verified then waits for an
    administrator; a verified one stays verified, and the change is in the audit trail."""
    require_owner(organisation.id, actor)
    if not certified:
        raise ValidationError(
            _l("Confirm that the organisation offers only lawful goods and services."),
            field="certify",
        )
    checked = _checked(details)
    for name in LIMITS:
        setattr(organisation, name, getattr(checked, name) or None)
    organisation.trader_certified_at = utcnow()
    waiting = organisation.verification_status != VerificationStatus.VERIFIED
    if waiting:
        organisation.verification_status = VerificationStatus.PENDING
    audit.record(
        actor,
        "organisation.verification_requested" if waiting else "organisation.trader_updated",
        "organisation",
        organisation.id,
    )
    db.session.commit()
    return organisation


def _tell_owners(organisation: Organisation, status: VerificationStatus, note: str) -> None:
    link = notifications.link("organisations.verification", organisation_id=organisation.id)
    for owner in owners(organisation.id):
        notifications.notify(
            owner,
            NOTIFICATION_KINDS[status],
            None,
            title=organisation.name,
            note=note,
            link=link,
        )


def decide(
    organisation: Organisation,
    actor: User | None,
    status: VerificationStatus,
    note: str = "",
    *,
    commit: bool = True,
    tell_owners: bool = True,
) -> bool:
    """Verify, reject or withdraw the verification (UNVERIFIED); False when the organisation
    already was so. `actor` None is the operator at the command line."""
    if actor is not None and not actor.is_admin:
        raise Forbidden(_l("Only administrators can do this."))
    if status not in NOTIFICATION_KINDS:
        raise ValidationError(_l("Choose verify or refuse."), field="decision")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(_l("Use at most %(count)d characters.", count=MAX_NOTE), field="note")
    if status == VerificationStatus.REJECTED and not note:
        raise ValidationError(_l("Tell the organisation why, in a note."), field="note")
    verified = status == VerificationStatus.VERIFIED
    if organisation.verification_status == status and organisation.verified == verified:
        return False
    if verified and verified_holder(organisation.business_id, organisation.id) is not None:
        raise Conflict(BUSINESS_ID_TAKEN, field="business_id")
    organisation.verified = verified
    organisation.verification_status = status
    organisation.verification_note = note or None
    organisation.verification_decided_at = utcnow()
    organisation.verification_decided_by = actor
    flush_business_id(Conflict)
    audit.record(
        actor,
        f"organisation.{status.value}",
        "organisation",
        organisation.id,
        business_id=organisation.business_id,
        note=note,
    )
    if tell_owners:
        _tell_owners(organisation, status, note)
    if commit:
        db.session.commit()
    return True


def waiting(status: VerificationStatus = VerificationStatus.PENDING) -> list[Organisation]:
    """Organisations in this state, those waiting longest first."""
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.verification_status == status)
            .order_by(Organisation.created_at, Organisation.id)
        )
    )


def counts() -> dict[VerificationStatus, int]:
    rows = db.session.execute(
        sa.select(Organisation.verification_status, sa.func.count()).group_by(
            Organisation.verification_status
        )
    )
    found = {VerificationStatus(status): int(count) for status, count in rows}
    return {status: found.get(status, 0) for status in VerificationStatus}
