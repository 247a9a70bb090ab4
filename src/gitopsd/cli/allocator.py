"""The C allocator's arena count for the long-running processes (``run`` and ``server``).

glibc gives threads that contend for ``malloc`` arenas of their own, up to eight per core.
The controller runs its workers, the pool that reads live state, the watch threads and the
event sinks side by side; objects larger than Python's small-object allocator handles
(response bodies, large dicts and lists) then spread over a dozen or more arenas, and each
keeps its own high-water mark. Measured with two arenas on the sharding benchmark (1000
Applications), the resident set of each of three replicas fell from 115-118 MiB to
104-111 MiB and a single replica's from 139 to 132 MiB, at the same sync time.

``MALLOC_ARENA_MAX`` in the environment wins (glibc reads it itself), so an operator can
set another value, or a high one to undo this. Other C libraries: nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

ARENAS = 2
# mallopt's parameter number for the arena limit, from glibc's <malloc.h>.
M_ARENA_MAX = -8


def limit_arenas(environ: Mapping[str, str] = os.environ, arenas: int = ARENAS) -> int | None:
    """Cap glibc's malloc arenas at ``arenas``; returns the cap set, or None when the
    environment sets its own or the C library is not glibc."""
    if "MALLOC_ARENA_MAX" in environ:
        return None
    path = ctypes.util.find_library("c")
    if path is None:
        return None
    try:
        libc = ctypes.CDLL(path)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if mallopt(M_ARENA_MAX, arenas) != 1:  # mallopt returns 1 on success
        log.debug("mallopt(M_ARENA_MAX, %d) was refused", arenas)
        return None
    return arenas
