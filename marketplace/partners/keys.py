"""API keys: created and revoked by an organisation's owners, shown once, kept as a digest.

A key acts as the organisation, through the person who created it: listings it creates are
theirs, and it stops working when they leave the organisation or the key is revoked, and
while their account is suspended.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import utcnow
from marketplace.database import intend_writes, restore_intent
from marketplace.errors import Forbidden, MarketplaceError, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import Organisation, PartnerKey, User, audit
from marketplace.organisations.services import membership, require_owner

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "kmp_live_"  # noqa: S105  (a public prefix that makes keys recognisable)
SCOPES = (
    "inventory:read",
    "inventory:write",
    "reservations:read",
    "reservations:write",
    "webhooks:manage",
)
# What an unverified organisation's keys may do: read. Writing through the API (and managing
# webhooks that receive reservation data) waits for verification, so that whoever claims a
# company's business ID cannot act for it in bulk (OWASP ASVS V4, least privilege).
READ_SCOPES = ("inventory:read", "reservations:read")
WRITE_SCOPES = tuple(scope for scope in SCOPES if scope not in READ_SCOPES)
UNVERIFIED_WRITE = _l(
    "Keys that change data need a verified organisation; verification comes first. Until "
    "the marketplace has verified yours, create a key that only reads."
)
UNVERIFIED_SYNC = _l(
    "Feeds and webhooks act for the organisation in bulk, so they wait until the marketplace "
    "has verified it."
)
KEY_CREATOR_SUSPENDED = _l(
    "The account of the person who created this API key is suspended; the key does not work "
    "while the suspension lasts."
)
# Recording every use would add a write to every request; once a minute is enough to show.
TOUCH_EVERY = timedelta(minutes=1)


class InvalidKey(MarketplaceError):
    status = 401


@dataclass(frozen=True)
class NewKey:
    key: PartnerKey
    token: str  # shown once, never stored


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_scopes(organisation: Organisation, scopes: list[str]) -> list[str]:
    chosen = [scope for scope in SCOPES if scope in scopes]
    unknown = set(scopes) - set(SCOPES)
    if unknown or not chosen:
        raise ValidationError(_l("Choose at least one of the listed scopes."), field="scopes")
    if not organisation.verified and set(chosen) & set(WRITE_SCOPES):
        raise Forbidden(UNVERIFIED_WRITE, field="scopes")
    return chosen


def require_verified(organisation: Organisation, field: str | None = None) -> None:
    """Bulk writes for an organisation (feeds) and copies of its reservations to an address it
    chooses (webhooks) wait for verification, as write-scoped keys do."""
    if not organisation.verified:
        raise Forbidden(UNVERIFIED_SYNC, field=field)


def create_key(organisation: Organisation, actor: User, name: str, scopes: list[str]) -> NewKey:
    require_owner(organisation.id, actor)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise ValidationError(_l("Give the key a name of at most 80 characters."), field="name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = PartnerKey(
        organisation_id=organisation.id,
        created_by_id=actor.id,
        name=name,
        token_prefix=token[: len(TOKEN_PREFIX) + 4],
        token_digest=digest(token),
        scopes=_check_scopes(organisation, scopes),
    )
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "partner_key.created", "organisation", organisation.id, key=key.id)
    db.session.commit()
    return NewKey(key, token)


def revoke_key(organisation: Organisation, actor: User, key_id: int) -> PartnerKey:
    require_owner(organisation.id, actor)
    key = db.session.get(PartnerKey, key_id)
    if key is None or key.organisation_id != organisation.id:
        raise NotFound(_l("No such key."))
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_by_id = actor.id
        audit.record(actor, "partner_key.revoked", "organisation", organisation.id, key=key.id)
    db.session.commit()
    return key


def keys_of(organisation: Organisation) -> list[PartnerKey]:
    return list(
        db.session.scalars(
            sa.select(PartnerKey)
            .where(PartnerKey.organisation_id == organisation.id)
            .order_by(PartnerKey.revoked_at.is_not(None), PartnerKey.id.desc())
        )
    )


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(header: str | None) -> PartnerKey:
    """The live key the Authorization header carries, or InvalidKey. Checked against the
    database on every request, so a revoked key fails at once."""
    token = bearer_token(header)
    if token is None:
        raise InvalidKey(_l("Send an API key as 'Authorization: Bearer <key>'."))
    key = db.session.scalar(sa.select(PartnerKey).where(PartnerKey.token_digest == digest(token)))
    if key is None or key.revoked_at is not None:
        raise InvalidKey(_l("The API key is not valid, or has been revoked."))
    creator = key.created_by
    if creator.is_suspended():
        raise Forbidden(KEY_CREATOR_SUSPENDED)
    if not creator.active or membership(key.organisation_id, creator) is None:
        raise InvalidKey(
            _l(
                "The person who created this key no longer belongs to the organisation; "
                "an owner must create a new key."
            )
        )
    return key


def touch(key: PartnerKey, now: datetime | None = None) -> None:
    """Record the key's use, at most once a minute, on a connection of its own so that a
    read-only request stays read-only in its own transaction."""
    now = now or utcnow()
    if key.last_used_at is not None and key.last_used_at > now - TOUCH_EVERY:
        return
    key_id = key.id
    # On SQLite the request's own transaction may hold the write lock the update needs.
    db.session.commit()
    marker = intend_writes(True)
    try:
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(PartnerKey)
                .where(
                    PartnerKey.id == key_id,
                    sa.or_(
                        PartnerKey.last_used_at.is_(None),
                        PartnerKey.last_used_at <= now - TOUCH_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )
    except sa.exc.SQLAlchemyError:
        logger.warning("could not record the use of API key %s", key_id, exc_info=True)
    finally:
        restore_intent(marker)
