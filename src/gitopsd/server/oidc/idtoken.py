"""Verifying an identity provider's ID token (pyjwt). Pure: the keys and the clock are
passed in.

A token is accepted only when all hold: its header names an asymmetric algorithm
(``none`` and the HMAC family are refused, so nobody can sign with a public key or not
sign at all), a key from the provider's JWKS with that ``kid`` verifies the signature,
``iss`` is the configured issuer exactly, ``aud`` contains one of our client ids (and
``azp``, when there are several audiences, is one of them), ``exp`` is in the future and
``iat`` not in it (with 60 s of skew), and ``nonce`` equals the one this sign-in sent.
Called by :mod:`gitopsd.server.oidc.provider`.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import jwt

from gitopsd.errors import AuthError

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
CLOCK_SKEW_SECONDS = 60.0
MAX_TOKEN_BYTES = 16 * 1024


def unverified_issuer(token: str) -> str:
    """The ``iss`` a token claims (unverified; only to choose who verifies it)."""
    if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
        return ""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return ""
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else ""


def key_id(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise AuthError(f"ID token: malformed ({type(error).__name__})") from error
    return str(header.get("kid") or "")


def verify_id_token(
    token: str,
    keys: Mapping[str, jwt.PyJWK],
    *,
    issuer: str,
    audiences: Sequence[str],
    now: float,
    nonce: str | None = None,
) -> dict[str, Any]:
    """The token's claims; AuthError saying which check failed (never the token)."""
    if len(token) > MAX_TOKEN_BYTES:
        raise AuthError("ID token: too large")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise AuthError(f"ID token: malformed ({type(error).__name__})") from error
    algorithm = str(header.get("alg") or "")
    if algorithm not in ALGORITHMS:
        raise AuthError(f"ID token: algorithm {algorithm or 'none'!r} is not accepted")
    key = _key_for(keys, str(header.get("kid") or ""))
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            audience=list(audiences),
            issuer=issuer,
            options={
                "require": ["iss", "sub", "aud", "exp", "iat"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAudienceError as error:
        raise AuthError("ID token: not issued for this client (aud)") from error
    except jwt.InvalidIssuerError as error:
        raise AuthError("ID token: issued by another issuer (iss)") from error
    except jwt.InvalidSignatureError as error:
        raise AuthError("ID token: signature does not verify") from error
    except jwt.PyJWTError as error:
        raise AuthError(f"ID token: refused ({type(error).__name__})") from error
    _check_times(claims, now)
    _check_authorized_party(claims, audiences)
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce") or ""), nonce):
        raise AuthError("ID token: nonce does not match this sign-in")
    return claims


def _key_for(keys: Mapping[str, jwt.PyJWK], kid: str) -> jwt.PyJWK:
    if kid in keys:
        return keys[kid]
    if not kid and len(keys) == 1:
        return next(iter(keys.values()))
    raise AuthError("ID token: signed with a key the issuer does not publish")


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    try:
        expires, issued = float(claims["exp"]), float(claims["iat"])
    except (TypeError, ValueError) as error:
        raise AuthError("ID token: exp and iat must be numbers") from error
    if now >= expires + CLOCK_SKEW_SECONDS:
        raise AuthError("ID token: expired")
    if issued > now + CLOCK_SKEW_SECONDS:
        raise AuthError("ID token: issued in the future")


def _check_authorized_party(claims: Mapping[str, Any], audiences: Sequence[str]) -> None:
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1:
        azp = claims.get("azp")
        if azp not in audiences:
            raise AuthError("ID token: several audiences and azp is not this client")
