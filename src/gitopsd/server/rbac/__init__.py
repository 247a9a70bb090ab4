"""Authorization with Argo CD's policy language, evaluated by Casbin.

``policy.py`` reads ``gitopsd-rbac-cm`` and AppProject roles into policy lines,
``model.py`` holds the Casbin model and the built-in roles, ``globs.py`` the object
matching, and ``enforcer.py`` answers "may these subjects do this action on this object".
Called by :mod:`gitopsd.server.authz` for every API request.
"""

from gitopsd.server.rbac.enforcer import Enforcer
from gitopsd.server.rbac.policy import RbacConfig, parse_rbac_configmap, project_role_lines
from gitopsd.server.rbac.vocab import Action, Resource

__all__ = [
    "Action",
    "Enforcer",
    "RbacConfig",
    "Resource",
    "parse_rbac_configmap",
    "project_role_lines",
]
