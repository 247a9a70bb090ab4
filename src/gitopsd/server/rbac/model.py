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

# The built-in roles, in Argo CD's terms: role:readonly may read everything; role:admin
# may do everything and inherits role:readonly; the local admin account is role:admin.
BUILTIN_POLICY = """
p, role:readonly, applications, get, */*, allow
p, role:readonly, applicationsets, get, */*, allow
p, role:readonly, certificates, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:readonly, repositories, get, *, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, accounts, get, *, allow
p, role:readonly, gpgkeys, get, *, allow
p, role:readonly, logs, get, */*, allow

p, role:admin, applications, create, */*, allow
p, role:admin, applications, update, */*, allow
p, role:admin, applications, delete, */*, allow
p, role:admin, applications, sync, */*, allow
p, role:admin, applications, override, */*, allow
p, role:admin, applications, action/*, */*, allow
p, role:admin, applicationsets, create, */*, allow
p, role:admin, applicationsets, update, */*, allow
p, role:admin, applicationsets, delete, */*, allow
p, role:admin, certificates, create, *, allow
p, role:admin, certificates, update, *, allow
p, role:admin, certificates, delete, *, allow
p, role:admin, clusters, create, *, allow
p, role:admin, clusters, update, *, allow
p, role:admin, clusters, delete, *, allow
p, role:admin, repositories, create, *, allow
p, role:admin, repositories, update, *, allow
p, role:admin, repositories, delete, *, allow
p, role:admin, projects, create, *, allow
p, role:admin, projects, update, *, allow
p, role:admin, projects, delete, *, allow
p, role:admin, accounts, update, *, allow
p, role:admin, gpgkeys, create, *, allow
p, role:admin, gpgkeys, delete, *, allow
p, role:admin, exec, create, */*, allow

g, role:admin, role:readonly
g, admin, role:admin
"""
