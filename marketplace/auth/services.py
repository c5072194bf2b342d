"""Accounts: registration, sign-in sessions, passwords and profiles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from marketplace.auth.passwords import hash_password, needs_rehash, verify_password
from marketplace.core.clock import utcnow
from marketplace.errors import InvalidCredentials, ValidationError
from marketplace.extensions import db
from marketplace.mail import mailer
from marketplace.models import Language, Role, SignIn, User, audit
from marketplace.web.links import external_url

RESET_SALT = "password-reset"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str, field: str = "password") -> None:
    minimum = current_app.config["AUTH_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ValidationError(_l("Use at least %(count)d characters.", count=minimum), field=field)
    if len(password) > 128:
        raise ValidationError(_l("Use at most 128 characters."), field=field)


def create_user(
    email: str,
    display_name: str,
    password: str,
    locale: Language = Language.FI,
    role: Role = Role.MEMBER,
    *,
    accepted_terms: bool = False,
) -> User:
    """`accepted_terms`: the person accepted the terms of use in force (TERMS_VERSION) as
    they registered; without it they are asked to at their first sign-in."""
    email = normalise_email(email)
    check_password_rules(password)
    if find_user_by_email(email) is not None:
        raise ValidationError(
            _l("An account with this e-mail address already exists."), field="email"
        )
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        locale=locale,
        role=role,
    )
    if accepted_terms:
        user.terms_version = current_app.config["TERMS_VERSION"]
        user.terms_accepted_at = utcnow()
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationError(
            _l("An account with this e-mail address already exists."), field="email"
        ) from error
    audit.record(user, "user.registered", "user", user.id, role=str(role), terms=user.terms_version)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise InvalidCredentials(_l("Wrong e-mail address or password."), field="password")
    if not user.active:
        raise InvalidCredentials(_l("This account has been suspended."), field="email")
    if user.is_suspended():
        raise InvalidCredentials(suspension_message(user), field="email")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def suspension_message(user: User) -> str:
    """Told only to whoever knows the password: until when, and where the way to complain is."""
    if user.suspended_until is None:
        suspended = _l("This account is suspended indefinitely.")
    else:
        until = format_datetime(user.suspended_until, "short")
        suspended = _l("This account is suspended until %(until)s.", until=until)
    complain = _l(
        "The statement of reasons we sent to your e-mail address says why, and how to "
        "contest the decision."
    )
    return f"{suspended} {complain}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_sign_in(
    user: User, *, remember: bool, user_agent: str = "", expires_at: datetime | None = None
) -> str:
    """Record a new signed-in browser and return the token its cookies will carry."""
    if expires_at is None:
        lifetime = (
            current_app.config["REMEMBER_COOKIE_DURATION"]
            if remember
            else timedelta(hours=current_app.config["AUTH_SIGN_IN_HOURS"])
        )
        expires_at = utcnow() + lifetime
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignIn(
            user=user,
            token_digest=_digest(token),
            user_agent=user_agent[:200],
            expires_at=expires_at,
        )
    )
    audit.record(user, "user.signed_in", "user", user.id)
    db.session.commit()
    user.sign_in_token = token
    return token


def _live_sign_in(token: str) -> SignIn | None:
    sign_in = db.session.scalar(sa.select(SignIn).where(SignIn.token_digest == _digest(token)))
    if sign_in is None or sign_in.revoked_at is not None or sign_in.expires_at <= utcnow():
        return None
    return sign_in


def user_for_token(token: str) -> User | None:
    sign_in = _live_sign_in(token)
    # Suspending revokes every sign-in; the check by time covers one that slipped past it.
    if sign_in is None or not sign_in.user.active or sign_in.user.is_suspended():
        return None
    sign_in.user.sign_in_token = token
    return sign_in.user


def end_sign_in(token: str) -> None:
    db.session.execute(
        sa.update(SignIn)
        .where(SignIn.token_digest == _digest(token), SignIn.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()


def _revoke_all_sign_ins(user: User) -> None:
    db.session.execute(
        sa.update(SignIn)
        .where(SignIn.user_id == user.id, SignIn.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def sign_out_everywhere(user: User, current_token: str) -> str:
    """Revoke every sign-in of the user and give the current browser a fresh one."""
    current = _live_sign_in(current_token)
    expires_at = current.expires_at if current else None
    _revoke_all_sign_ins(user)
    audit.record(user, "user.signed_out_everywhere", "user", user.id)
    return start_sign_in(user, remember=False, expires_at=expires_at)


def live_sign_ins(user: User) -> list[SignIn]:
    return list(
        db.session.scalars(
            sa.select(SignIn)
            .where(
                SignIn.user_id == user.id, SignIn.revoked_at.is_(None), SignIn.expires_at > utcnow()
            )
            .order_by(SignIn.created_at.desc())
        )
    )


def is_current_sign_in(sign_in: SignIn, token: str | None) -> bool:
    return token is not None and sign_in.token_digest == _digest(token)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    _revoke_all_sign_ins(user)


def change_password(
    user: User, current_password: str, new_password: str, current_token: str
) -> str:
    """Change the password, end every other session, and return the current browser's new token."""
    if not verify_password(user.password_hash, current_password):
        raise ValidationError(_l("The current password is not right."), field="current_password")
    check_password_rules(new_password, field="new_password")
    current = _live_sign_in(current_token)
    expires_at = current.expires_at if current else None
    _set_password(user, new_password)
    audit.record(user, "user.password_changed", "user", user.id)
    return start_sign_in(user, remember=False, expires_at=expires_at)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Part of the token, so a token dies as soon as the password changes: it works only once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"user": user.id, "password": _password_fingerprint(user)})


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; the caller says the same thing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=password_reset_token(user))
    minutes = current_app.config["AUTH_PASSWORD_RESET_MAX_AGE"] // 60
    mailer.send_to_user(
        user,
        "password_reset",
        _l("Reset your Kera Marketplace password"),
        link=link,
        minutes=minutes,
    )


def user_for_reset_token(token: str) -> User:
    invalid = ValidationError(
        _l("This reset link is not valid any more. Ask for a new one."), field="token"
    )
    max_age = current_app.config["AUTH_PASSWORD_RESET_MAX_AGE"]
    try:
        payload = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise ValidationError(
            _l("This reset link has expired. Ask for a new one."), field="token"
        ) from error
    except BadSignature as error:
        raise invalid from error
    if not isinstance(payload, dict):
        raise invalid
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.active or payload.get("password") != _password_fingerprint(user):
        raise invalid
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    check_password_rules(new_password)
    _set_password(user, new_password)
    audit.record(user, "user.password_reset", "user", user.id)
    db.session.commit()
    return user


def update_profile(user: User, display_name: str, locale: Language) -> User:
    user.display_name = display_name.strip()
    user.locale = locale
    db.session.commit()
    return user


def set_locale(user: User, locale: Language) -> None:
    user.locale = locale
    db.session.commit()
