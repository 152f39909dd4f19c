"""Random tokens for links and cookies; only their SHA-256 is stored."""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(purpose: str, payload: dict) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose).dumps(payload)


def unsign(purpose: str, token: str, max_age: int) -> dict | None:
    """The signed payload, or None when the link is forged, altered or expired."""
    try:
        payload = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    return payload if isinstance(payload, dict) else None
