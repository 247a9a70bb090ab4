"""Built-in health checks: Kubernetes' kinds, gitopsd's Application and the ecosystem's CRDs.

Called by :class:`gitopsd.health.assess.HealthAssessor` when no Lua customization covers
an object's kind. ``core`` lists the checks for Kubernetes' own kinds; ``crds`` holds one
module per ecosystem (Argo, cert-manager, Flux, ...), most of them tables of declarative
:class:`~gitopsd.health.checks.rules.Rule` entries; ``registry`` merges them and looks a
kind up; ``generic`` is the fallback for kinds nobody registered.
"""

from gitopsd.health.checks.registry import BUILTIN_CHECKS, FAMILIES, builtin_health, check_for
from gitopsd.health.checks.types import Check, Family

__all__ = ["BUILTIN_CHECKS", "FAMILIES", "Check", "Family", "builtin_health", "check_for"]
