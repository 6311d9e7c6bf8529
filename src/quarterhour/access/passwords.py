"""Argon2id password hashing (OWASP's recommended parameters by default)."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def hash_password(password: str, *, time_cost: int = 2, memory_cost: int = 19 * 1024) -> str:
    return _hasher(time_cost, memory_cost).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher(2, 19 * 1024).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash of a random password with the default cost, to check a login against when there
    is no real hash to check (an unknown or disabled username): the answer then takes as long as
    for a wrong password, so timing does not tell which usernames exist."""
    return hash_password(secrets.token_urlsafe(24))


def check_strength(password: str) -> str | None:
    if len(password) < 8:
        return "password must have at least 8 characters"
    if password.isdigit() or password.isalpha():
        return "password must mix letters and digits"
    return None
