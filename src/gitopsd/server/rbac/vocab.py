"""The resources and actions of Argo CD's RBAC, spelled as in ``policy.csv``."""

from __future__ import annotations

from enum import StrEnum


class Resource(StrEnum):
    APPLICATIONS = "applications"
    APPLICATIONSETS = "applicationsets"
    PROJECTS = "projects"
    CLUSTERS = "clusters"
    REPOSITORIES = "repositories"
    ACCOUNTS = "accounts"
    CERTIFICATES = "certificates"
    GPGKEYS = "gpgkeys"
    LOGS = "logs"
    EXEC = "exec"


class Action(StrEnum):
    GET = "get"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    SYNC = "sync"
    OVERRIDE = "override"
    # ``action/<group>/<Kind>/<name>`` for resource actions; matched by ``action/*``.
    ACTION = "action"


ADMIN_ROLE = "role:admin"
READONLY_ROLE = "role:readonly"
