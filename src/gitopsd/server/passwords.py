"""Password hashing (bcrypt, as Argo CD's argocd-secret holds them) and generation.

Called by the sign-in handler (in a worker thread: one check takes a few hundred
milliseconds, by design) and by the bootstrap of the initial admin password.
"""

from __future__ import annotations

import functools
import secrets

import bcrypt

BCRYPT_ROUNDS = 10  # Argo CD's cost
MAX_PASSWORD_BYTES = 72


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def verify_password(password: str, hashed: str) -> bool:
    """bcrypt's own check (constant time over the hash). No hash, or an unreadable one,
    still costs a full check against a dummy hash, so an unknown or password-less account
    takes as long to refuse as a wrong password."""
    target = hashed.encode() if hashed.startswith("$2") else _dummy_hash()
    given = password.encode()
    if len(given) > MAX_PASSWORD_BYTES:  # bcrypt reads 72 bytes at most: never a match
        bcrypt.checkpw(given[:MAX_PASSWORD_BYTES], _dummy_hash())
        return False
    try:
        matched = bcrypt.checkpw(given, target)
    except ValueError:
        bcrypt.checkpw(password.encode(), _dummy_hash())
        return False
    return matched and target is not _dummy_hash()


@functools.cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(BCRYPT_ROUNDS))


def generate_password() -> str:
    """16 characters from the URL-safe alphabet (96 bits)."""
    return secrets.token_urlsafe(12)


def generate_key() -> str:
    """A signing key for session tokens: 32 random bytes, URL-safe base64."""
    return secrets.token_urlsafe(32)
