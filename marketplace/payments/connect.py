"""Stripe Connect for organisations that sell: onboarding, and whether they can take charges.

Whether an account may take charges is stored from Stripe's `account.updated` webhook; the
return page only reads it live, so that no GET writes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.models import Organisation, User, audit
from marketplace.payments.gateway import GatewayError, gateway
from marketplace.web.links import external_url

UNVERIFIED_PAYOUTS = _l(
    "Payouts through Stripe open once the marketplace has verified the organisation. Until "
    "then, buyers pay at pickup."
)


def onboarding_link(organisation: Organisation, actor: User) -> str:
    found = gateway()
    if found is None:
        raise Conflict(_l("Online payment is not in use."))
    # Money must not flow to whoever claimed a company's business ID before it is checked.
    if not organisation.verified:
        raise Conflict(UNVERIFIED_PAYOUTS)
    try:
        if organisation.stripe_account_id is None:
            organisation.stripe_account_id = found.create_connect_account(
                email=actor.email, idempotency_key=f"connect:{organisation.id}"
            )
            audit.record(
                actor,
                "organisation.stripe_connected",
                "organisation",
                organisation.id,
                account=organisation.stripe_account_id,
            )
            db.session.commit()
        return found.onboarding_link(
            account=organisation.stripe_account_id,
            refresh_url=external_url("organisations.detail", organisation_id=organisation.id),
            return_url=external_url("payments.connect_return", organisation_id=organisation.id),
        )
    except GatewayError as error:
        raise Conflict(
            _l("Stripe could not be reached: %(reason)s", reason=error.message)
        ) from error


def charges_enabled(organisation: Organisation) -> bool:
    found = gateway()
    if found is None or organisation.stripe_account_id is None:
        return False
    try:
        return found.retrieve_account(organisation.stripe_account_id).charges_enabled
    except GatewayError:
        return organisation.stripe_charges_enabled
