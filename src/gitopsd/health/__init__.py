"""Health of Kubernetes objects: built-in checks per kind and Lua customizations.

The sync, status and CLI layers use the small surface re-exported here; the modules
behind it are ``assess`` (precedence), ``checks`` (one function per kind), ``lua`` (the
sandbox), ``customizations`` (gitopsd-cm parsing and key matching) and ``aggregate``.
"""

from gitopsd.health.aggregate import aggregate
from gitopsd.health.assess import HealthAssessor
from gitopsd.health.customizations import customizations_from_configmap, parse_customizations
from gitopsd.health.result import Health

__all__ = [
    "Health",
    "HealthAssessor",
    "aggregate",
    "customizations_from_configmap",
    "parse_customizations",
]
