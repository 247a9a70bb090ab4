"""Assessing the health of one live (or rendered) object.

Called by the sync stage (is this wave done?), the status stage (per-resource and
application health) and ``gitopsd health``. Order of precedence, as in Argo CD: an object
being deleted is Progressing (unless it carries a hook finalizer: a hook that is being
cleaned up is still judged by its own state); a Lua customization for its kind decides
next, so ``resource.customizations`` override any built-in check; then the built-in check
for its kind; then the generic condition-based fallback, which may have no opinion
(``None``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from gitopsd.errors import HealthScriptError
from gitopsd.health.checks import builtin_health
from gitopsd.health.customizations import ScriptTable
from gitopsd.health.lua import LuaLimits, LuaSandbox, ScriptReturn
from gitopsd.health.result import Health, progressing, unknown
from gitopsd.model.annotations import HOOK_FINALIZERS
from gitopsd.model.keys import GroupKind
from gitopsd.model.secrets import mask_secret
from gitopsd.model.vocab import HealthStatus


class HealthAssessor:
    """Health checks for one set of customizations; reuse it, compiled scripts are cached.

    ``customizations`` maps ``group/Kind`` keys (wildcards allowed) to Lua sources, as
    returned by :func:`~gitopsd.health.customizations.parse_customizations` or
    :func:`~gitopsd.health.customizations.customizations_from_configmap`. The Lua runtime
    is only started when a customized kind is first assessed.
    """

    def __init__(
        self,
        customizations: Mapping[str, str] | None = None,
        *,
        lua_timeout_seconds: float = 1.0,
        lua_max_memory_bytes: int = LuaLimits.max_memory_bytes,
    ) -> None:
        self._scripts = ScriptTable(customizations)
        self._limits = LuaLimits(lua_timeout_seconds, lua_max_memory_bytes)
        self._sandbox: LuaSandbox | None = None
        self._sandbox_lock = threading.Lock()

    def assess(self, obj: dict[str, Any]) -> Health | None:
        """The health of ``obj``, or None when nothing has an opinion about its kind."""
        if _pending_deletion(obj):
            return progressing("Pending deletion")
        script = self._scripts.lookup(GroupKind.of(obj))
        if script is not None:
            return self._custom_health(*script, obj)
        return builtin_health(obj)

    def _custom_health(self, key: str, source: str, obj: dict[str, Any]) -> Health | None:
        name = f"health.lua for {key}"
        # Scripts see Secrets with their values masked, so no message can leak one.
        visible = mask_secret(obj) or obj
        try:
            returned = self._lua().run(name, source, visible)
        except HealthScriptError as error:
            return unknown(str(error))
        return None if returned is None else _health_from(name, returned)

    def _lua(self) -> LuaSandbox:
        with self._sandbox_lock:
            if self._sandbox is None:
                self._sandbox = LuaSandbox(self._limits)
            return self._sandbox


def _pending_deletion(obj: dict[str, Any]) -> bool:
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict) or not metadata.get("deletionTimestamp"):
        return False
    finalizers = metadata.get("finalizers") or []
    return not (isinstance(finalizers, list) and HOOK_FINALIZERS.intersection(map(str, finalizers)))


def _health_from(name: str, returned: ScriptReturn) -> Health:
    try:
        status = HealthStatus(returned.status or "")
    except ValueError:
        shown = "nothing" if returned.status is None else f'"{returned.status}"'
        return unknown(f"{name}: returned {shown} as status, which is not a health status")
    return Health(status, returned.message)
