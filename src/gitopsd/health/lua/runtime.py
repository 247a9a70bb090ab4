"""Choosing and starting the Lua runtime that health scripts run on.

Called by :class:`gitopsd.health.lua.sandbox.LuaSandbox`. Argo CD's scripts are written
for gopher-lua: Lua 5.1 plus ``goto`` and labels, numbers as doubles. lupa ships several
runtimes; Lua 5.2 is used because it is the closest one that keeps every sandbox
guarantee (the measurements behind the choice are in ``bench/bench_lua.py`` and
``docs/architecture.md``):

- Lua 5.1 has no ``goto``, so many published scripts do not even compile;
- LuaJIT 2.1 has ``goto`` and 5.1's library, but aborts the whole process when an
  allocation fails at the memory cap in some paths, and skips count hooks in compiled
  code;
- Lua 5.3 and 5.4 have integers: ``4 / 2`` prints ``2.0`` and ``string.format("%d", 2.5)``
  fails, where scripts expect 5.1's behaviour;
- Lua 5.2 has ``goto``, doubles, hooks in every function, and a memory cap that fails
  allocations cleanly. The few 5.1 names it lacks are provided by the bootstrap.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

RUNTIME_MODULE = "lupa.lua52"


def runtime_module() -> ModuleType:
    """lupa's Lua 5.2 runtime module."""
    return importlib.import_module(RUNTIME_MODULE)


def new_runtime(module: ModuleType, max_memory_bytes: int) -> Any:
    """A ``LuaRuntime`` with no Python bridge and a memory cap on the whole state."""
    return module.LuaRuntime(
        max_memory=max_memory_bytes,
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        attribute_filter=_deny_attribute,
        # Lua 5.2 numbers are doubles; a huge integer arrives as the nearest one.
        overflow_handler=float,
    )


def _deny_attribute(obj: object, name: object, is_setting: bool) -> object:
    raise AttributeError("Python objects are not accessible from health scripts")
