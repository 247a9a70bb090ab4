"""The current RBAC policy, rebuilt when ``gitopsd-rbac-cm`` or an AppProject changes.

:class:`Authorizer` answers for a :class:`~gitopsd.server.authn.Principal`. An invalid
ConfigMap is logged and the last good policy stays in force (at start, only the built-in
roles: nobody but the admin account gets anything), so a typo cannot open the server.
Objects are ``<project>/<application>`` as in Argo CD. Called by the HTTP handlers before
anything is read or written.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from gitopsd.cluster.cache import WatchCache
from gitopsd.errors import ConfigError
from gitopsd.server.authn import Principal
from gitopsd.server.rbac import Enforcer, RbacConfig, parse_rbac_configmap, project_role_lines
from gitopsd.server.views import name_of, project_of

log = logging.getLogger(__name__)


def app_object(app: Mapping[str, Any]) -> str:
    return f"{project_of(app)}/{name_of(app)}"


class Authorizer:
    def __init__(self, rbac: WatchCache, projects: WatchCache) -> None:
        self._rbac = rbac
        self._projects = projects
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._enforcer = Enforcer(RbacConfig())
        self.error = ""

    def enforcer(self) -> Enforcer:
        version = (self._rbac.generation, self._projects.generation)
        with self._lock:
            if version != self._version:
                self._rebuild()
                self._version = version
            return self._enforcer

    def _rebuild(self) -> None:
        configmaps = self._rbac.items()
        data = (configmaps[0].get("data") or {}) if configmaps else {}
        try:
            config = parse_rbac_configmap(data)
        except ConfigError as error:
            self.error = str(error)
            log.error("%s; keeping the previous policy", error)
            config = self._enforcer.config
        else:
            self.error = ""
        self._enforcer = Enforcer(config, project_role_lines(self._projects.items()))

    def scopes(self) -> tuple[str, ...]:
        return self.enforcer().config.scopes

    def allowed(self, principal: Principal, resource: str, action: str, obj: str) -> bool:
        return self.enforcer().allowed(principal.subjects, resource, action, obj)
