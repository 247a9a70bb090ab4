"""AppProject role tokens, as Argo CD keeps them: JWTs for CI pipelines whose subject is
``proj:<project>:<role>``, each recorded in the project's ``spec.roles[].jwtTokens`` as
``{iat, exp, id}`` (never the token itself).

A token stands while its entry does: deleting the entry (``DELETE
…/roles/<role>/token/<iat>``) revokes it on every replica, because each watches
AppProjects. :func:`token_refusal` is that check; :func:`roles_with_token` and
:func:`roles_without_token` build the new ``spec.roles`` for the two writes, which
:mod:`gitopsd.server.api.tokens` sends as a merge patch guarded by the project's
resourceVersion. Pure.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gitopsd.errors import ConfigError, NotFound
from gitopsd.server.tokens import NEVER, Claims

PREFIX = "proj:"


@dataclass(frozen=True)
class RoleRef:
    project: str
    role: str

    @property
    def subject(self) -> str:
        return f"{PREFIX}{self.project}:{self.role}"

    @classmethod
    def parse(cls, subject: str) -> RoleRef | None:
        if not subject.startswith(PREFIX):
            return None
        project, colon, role = subject.removeprefix(PREFIX).partition(":")
        return cls(project, role) if colon and project and role else None


def find_role(project: Mapping[str, Any], role: str) -> dict[str, Any] | None:
    for entry in (project.get("spec") or {}).get("roles") or []:
        if isinstance(entry, dict) and entry.get("name") == role:
            return entry
    return None


def token_refusal(projects: Iterable[Mapping[str, Any]], claims: Claims) -> str:
    """Why a project token no longer stands ("" when it does)."""
    ref = RoleRef.parse(claims.subject)
    if ref is None:
        return "subject is not proj:<project>:<role>"
    project = next(
        (p for p in projects if (p.get("metadata") or {}).get("name") == ref.project), None
    )
    if project is None:
        return f"project {ref.project} does not exist"
    role = find_role(project, ref.role)
    if role is None:
        return f"role {ref.role} is not in project {ref.project}"
    for entry in role.get("jwtTokens") or []:
        if _matches(entry, int(claims.issued_at), claims.session_id):
            return ""
    return "revoked"


def _matches(entry: Any, issued_at: int, token_id: str) -> bool:
    """The entry records this token (an entry without an id matches any id)."""
    return _issued_at(entry, issued_at) and str(entry.get("id") or "") in ("", token_id)


def roles_with_token(project: Mapping[str, Any], role: str, claims: Claims) -> list[Any]:
    """``spec.roles`` with the new token's entry added to ``role``."""
    roles = copy.deepcopy((project.get("spec") or {}).get("roles") or [])
    entry: dict[str, Any] = {"iat": int(claims.issued_at), "id": claims.session_id}
    if claims.expires_at != NEVER:
        entry["exp"] = int(claims.expires_at)
    for item in roles:
        if isinstance(item, dict) and item.get("name") == role:
            tokens = [t for t in item.get("jwtTokens") or [] if isinstance(t, dict)]
            if any(t.get("id") == claims.session_id for t in tokens):
                raise ConfigError(f"role {role}: a token with id {claims.session_id!r} exists")
            item["jwtTokens"] = [*tokens, entry]
            return roles
    raise NotFound(f"role {role} is not in project {_name(project)}", status=404)


def roles_without_token(
    project: Mapping[str, Any], role: str, issued_at: int, token_id: str = ""
) -> tuple[list[Any], list[str]]:
    """``spec.roles`` without ``role``'s tokens issued at ``issued_at`` (and with
    ``token_id``, when given); and the ids of those removed."""
    roles = copy.deepcopy((project.get("spec") or {}).get("roles") or [])
    for item in roles:
        if isinstance(item, dict) and item.get("name") == role:
            tokens = list(item.get("jwtTokens") or [])
            kept = [t for t in tokens if not _removed(t, issued_at, token_id)]
            item["jwtTokens"] = kept
            removed = [str(t.get("id") or "") for t in tokens if _removed(t, issued_at, token_id)]
            return roles, removed
    raise NotFound(f"role {role} is not in project {_name(project)}", status=404)


def _removed(entry: Any, issued_at: int, token_id: str) -> bool:
    """The entry is one a revocation names (any id when none is given)."""
    return _issued_at(entry, issued_at) and (not token_id or entry.get("id") == token_id)


def _issued_at(entry: Any, issued_at: int) -> bool:
    """A well-formed ``jwtTokens`` entry whose ``iat`` is ``issued_at``."""
    if not isinstance(entry, dict):
        return False
    try:
        return int(entry.get("iat") or 0) == issued_at
    except (TypeError, ValueError):
        return False


def _name(project: Mapping[str, Any]) -> str:
    return str((project.get("metadata") or {}).get("name") or "")
