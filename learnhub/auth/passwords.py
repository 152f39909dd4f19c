"""Password hashes. New ones are Argon2id with OWASP's minimum (19 MiB, 2 passes): strong, and a
login costs a worker less memory than scrypt's 32 MiB. Older werkzeug hashes (scrypt, pbkdf2) still
verify and are replaced by Argon2id at the next successful login."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
_argon2 = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _hash_with(method: str, password: str) -> str:
    return _argon2.hash(password) if method == ARGON2ID else generate_password_hash(password, method=method)


def hash_password(password: str) -> str:
    return _hash_with(current_app.config["PASSWORD_HASH_METHOD"], password)


def verify_password(stored: str, password: str) -> bool:
    if stored.startswith("$argon2"):
        try:
            return _argon2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    if current_app.config["PASSWORD_HASH_METHOD"] != ARGON2ID:
        return False
    return not stored.startswith("$argon2") or _argon2.check_needs_rehash(stored)


@cache
def _dummy_hash(method: str) -> str:
    return _hash_with(method, "not-a-real-password")


def spend_one_check(password: str) -> None:
    """Costs what checking a real password costs, so an unknown address answers no faster."""
    verify_password(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
