"""Who may read a statement of reasons and contest it: the person it restricts, signed in or
through the signed link their e-mail carries (a suspended person cannot sign in). The token
names the decision and the person; it cannot be forged without the secret key, and it can do
nothing but show that statement and take its one complaint."""

from __future__ import annotations

from calendar import monthrange
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.models import Decision, DecisionAction, User

SALT = "moderation-statement"
# Art. 20(1): complaints are open for at least six months after the decision.
COMPLAINT_MONTHS = 6


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(decision: Decision) -> str:
    return str(_serializer().dumps([decision.id, decision.affected_user_id]))


def token_opens(token: str | None, decision: Decision) -> bool:
    if not token or decision.affected_user_id is None:
        return False
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return False
    return bool(value == [decision.id, decision.affected_user_id])


def may_read(decision: Decision, user: User | None, token: str | None) -> bool:
    """The affected person reads their statement; moderators read every decision, also
    those that restricted nobody and so have no statement for anyone else."""
    if user is not None and user.is_moderator:
        return True
    if not restricts(decision):
        return False
    if user is not None and user.id == decision.affected_user_id:
        return True
    return token_opens(token, decision)


def months_after(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def complaint_deadline(decision: Decision) -> datetime:
    return months_after(decision.decided_at, COMPLAINT_MONTHS)


def restricts(decision: Decision) -> bool:
    """Only a decision that restricts someone has a statement of reasons and a complaint."""
    return decision.action != DecisionAction.NO_ACTION
