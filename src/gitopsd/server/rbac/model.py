"""The Casbin model for Argo CD's policy language, and the built-in roles.

A request is ``(subject, resource, action, object)``; a policy line is
``p, subject, resource, action, object, effect`` and a grouping line ``g, member, role``
(a user or group is a member of a role, a role of another role). The matcher checks the
subject through role membership and the other three fields with the configured match
function (glob or regex).

Two models share one policy: ``ALLOW_MODEL`` answers "does a line allow this" and
``NOT_DENIED_MODEL`` "does no line deny this". The enforcer combines them over all of a user's
subjects (name, groups, ``policy.default``), so a deny for any of them wins over any
allow — also across groups, which a single Casbin call per subject would not give.
"""

from __future__ import annotations

from typing import NamedTuple

_MODEL = """
[request_definition]
r = sub, res, act, obj

[policy_definition]
p = sub, res, act, obj, eft

[role_definition]
g = _, _

[policy_effect]
e = {effect}

[matchers]
m = g(r.sub, p.sub) && keyMatchMode(r.res, p.res) && keyMatchMode(r.act, p.act) \
&& keyMatchMode(r.obj, p.obj)
"""

ALLOW_MODEL = _MODEL.format(effect="some(where (p.eft == allow))")
# Casbin's "not denied" effect: True unless a matching line denies.
NOT_DENIED_MODEL = _MODEL.format(effect="!some(where (p.eft == deny))")
MATCH_FUNCTION = "keyMatchMode"


class _BuiltinGrant(NamedTuple):
    """What the built-in roles may do with one resource."""

    resource: str
    objects: str  # the pattern for all of its objects: ``*/*`` where they live in projects
    readonly_gets: bool  # role:readonly may ``get`` it
    admin_actions: tuple[str, ...]  # what role:admin may do besides ``get``


_CHANGE = ("create", "update", "delete")
_APPLICATION_ACTIONS = (*_CHANGE, "sync", "override", "action/*")
_BUILTIN_GRANTS = (
    _BuiltinGrant("applications", "*/*", True, _APPLICATION_ACTIONS),
    _BuiltinGrant("applicationsets", "*/*", True, _CHANGE),
    _BuiltinGrant("certificates", "*", True, _CHANGE),
    _BuiltinGrant("clusters", "*", True, _CHANGE),
    _BuiltinGrant("repositories", "*", True, _CHANGE),
    _BuiltinGrant("projects", "*", True, _CHANGE),
    _BuiltinGrant("accounts", "*", True, ("update",)),
    _BuiltinGrant("gpgkeys", "*", True, ("create", "delete")),
    _BuiltinGrant("logs", "*/*", True, ()),
    _BuiltinGrant("exec", "*/*", False, ("create",)),
)

# The built-in roles, in Argo CD's terms: role:readonly may read everything; role:admin
# may do everything and inherits role:readonly; the local admin account is role:admin.
BUILTIN_POLICY = "\n".join(
    [
        "",
        *(
            f"p, role:readonly, {grant.resource}, get, {grant.objects}, allow"
            for grant in _BUILTIN_GRANTS
            if grant.readonly_gets
        ),
        "",
        *(
            f"p, role:admin, {grant.resource}, {action}, {grant.objects}, allow"
            for grant in _BUILTIN_GRANTS
            for action in grant.admin_actions
        ),
        "",
        "g, role:admin, role:readonly",
        "g, admin, role:admin",
        "",
    ]
)
