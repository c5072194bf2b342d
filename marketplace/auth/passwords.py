"""Password hashing with argon2id (argon2-cffi's defaults meet OWASP ASVS level 2).

The cost comes from the settings so that the test suite can hash cheaply; a hash records its
own parameters, so changing the cost never locks anyone out (hashes are upgraded at sign-in).
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@cache
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _current() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["AUTH_ARGON2_TIME_COST"], config["AUTH_ARGON2_MEMORY_KIB"])


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verifying against this when no account matches keeps the answer time the same, so
    # response times do not reveal which e-mail addresses have accounts.
    return hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _current().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _current()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _current().check_needs_rehash(password_hash)
