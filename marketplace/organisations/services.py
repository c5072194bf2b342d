from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as NumberError
from stdnum.fi import ytunnus

from marketplace.auth.services import find_user_by_email
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    MemberRole,
    Membership,
    Organisation,
    OrganisationKind,
    User,
    VerificationStatus,
    audit,
)

# Re-exported: the other features ask this module who belongs to an organisation.
from marketplace.organisations.access import membership as membership
from marketplace.organisations.access import require_membership as require_membership
from marketplace.organisations.access import require_owner as require_owner
from marketplace.organisations.verification import BUSINESS_ID_TAKEN as BUSINESS_ID_TAKEN
from marketplace.organisations.verification import decide, flush_business_id
from marketplace.organisations.verification import verified_holder as verified_holder


def canonical_business_id(raw: str) -> str:
    """The Y-tunnus as 1234567-8, or a ValidationError naming the field."""
    try:
        return str(ytunnus.format(ytunnus.validate(raw)))
    except NumberError as error:
        raise ValidationError(
            _l(
                "Check the business ID: it looks like 1234567-8 and its last digit is a check "
                "digit."
            ),
            field="business_id",
        ) from error


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Membership.organisation)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name)
        )
    )


def create_organisation(
    owner: User, name: str, kind: OrganisationKind, business_id: str, *, verified: bool = False
) -> Organisation:
    """Anyone may sign an organisation up, unverified; only a verified organisation holds its
    business ID exclusively, so a squatter's claim never blocks the real company. `verified`
    is for the operator (`flask orgs create`, the demo data), who has checked it already."""
    business_id = canonical_business_id(business_id)
    if verified_holder(business_id) is not None:
        raise ValidationError(BUSINESS_ID_TAKEN, field="business_id")
    organisation = Organisation(name=name.strip(), kind=kind, business_id=business_id)
    organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
    db.session.add(organisation)
    flush_business_id()
    audit.record(
        owner,
        "organisation.created",
        "organisation",
        organisation.id,
        name=organisation.name,
        business_id=business_id,
    )
    if verified:
        decide(organisation, None, VerificationStatus.VERIFIED, commit=False, tell_owners=False)
    db.session.commit()
    return organisation


def set_verified(organisation: Organisation, actor: User | None, verified: bool) -> bool:
    """Verify the organisation, or withdraw its verification; False when it already was so.
    Until it is verified, its API keys can only read (marketplace/api/access.py). Withdrawing
    leaves an organisation that was not verified as it is: a request waiting stays waiting."""
    if not verified and not organisation.verified:
        return False
    status = VerificationStatus.VERIFIED if verified else VerificationStatus.UNVERIFIED
    return decide(organisation, actor, status)


def update_organisation(
    organisation: Organisation, actor: User, name: str, kind: OrganisationKind
) -> Organisation:
    require_owner(organisation.id, actor)
    organisation.name = name.strip()
    organisation.kind = kind
    audit.record(actor, "organisation.updated", "organisation", organisation.id, name=name)
    db.session.commit()
    return organisation


def members(organisation: Organisation) -> list[Membership]:
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Membership.user)
            .where(Membership.organisation_id == organisation.id)
            .order_by(Membership.role, User.display_name)
        )
    )


def add_member(organisation: Organisation, actor: User, email: str, role: MemberRole) -> Membership:
    require_owner(organisation.id, actor)
    user = find_user_by_email(email)
    if user is None:
        raise ValidationError(
            _l(
                "Nobody has registered with this e-mail address yet. Ask them to create an "
                "account first."
            ),
            field="email",
        )
    if membership(organisation.id, user) is not None:
        raise ValidationError(_l("This person is already a member."), field="email")
    added = Membership(organisation=organisation, user=user, role=role)
    db.session.add(added)
    audit.record(
        actor,
        "organisation.member_added",
        "organisation",
        organisation.id,
        user_id=user.id,
        role=str(role),
    )
    db.session.commit()
    return added


def _other_owner_exists(organisation: Organisation, user_id: int) -> bool:
    other_owner = db.session.scalar(
        sa.select(Membership.id)
        .where(
            Membership.organisation_id == organisation.id,
            Membership.role == MemberRole.OWNER,
            Membership.user_id != user_id,
        )
        .limit(1)
    )
    return other_owner is not None


def _target_membership(organisation: Organisation, user_id: int) -> Membership:
    target = db.session.scalar(
        sa.select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == user_id
        )
    )
    if target is None:
        raise NotFound(_l("This person is not a member."))
    return target


def change_member_role(
    organisation: Organisation, actor: User, user_id: int, role: MemberRole
) -> Membership:
    require_owner(organisation.id, actor)
    target = _target_membership(organisation, user_id)
    if (
        target.role == MemberRole.OWNER
        and role != MemberRole.OWNER
        and not _other_owner_exists(organisation, user_id)
    ):
        raise Conflict(_l("An organisation needs at least one owner."), field="role")
    target.role = role
    audit.record(
        actor,
        "organisation.member_role_changed",
        "organisation",
        organisation.id,
        user_id=user_id,
        role=str(role),
    )
    db.session.commit()
    return target


def remove_member(organisation: Organisation, actor: User, user_id: int) -> None:
    """Owners remove anyone; a member may remove only themselves (leave)."""
    if actor.id != user_id:
        require_owner(organisation.id, actor)
    else:
        require_membership(organisation.id, actor)
    target = _target_membership(organisation, user_id)
    if target.role == MemberRole.OWNER and not _other_owner_exists(organisation, user_id):
        raise Conflict(
            _l("An organisation needs at least one owner. Make someone else an owner first.")
        )
    db.session.delete(target)
    audit.record(
        actor, "organisation.member_removed", "organisation", organisation.id, user_id=user_id
    )
    db.session.commit()


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(_l("No such organisation."))
    return organisation


def find_by_name(name: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name))
