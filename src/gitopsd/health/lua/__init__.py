"""The Lua side of health: Argo CD-format ``health.lua`` scripts in a sandbox.

Used by :class:`gitopsd.health.assess.HealthAssessor`. ``sandbox`` runs scripts,
``bootstrap`` builds what they can reach, ``patterns`` guards string matching and
``matcher`` matches patterns in Lua when C could take too long, and ``runtime`` picks
the Lua runtime.
"""

from gitopsd.health.lua.sandbox import LuaLimits, LuaSandbox, ScriptReturn

__all__ = ["LuaLimits", "LuaSandbox", "ScriptReturn"]
