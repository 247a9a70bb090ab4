"""An in-memory Kubernetes API server and Git, for tests and tools that exercise the engine
without a cluster (as httpx ships a mock transport).

    cluster = MemoryCluster(clock=ManualClock())
    cluster.apply(configmap)                  # server-side apply, managedFields and all
    cluster.inject(Fault(FaultKind.INVALID, verb=Verb.APPLY, group_kind_name="Deployment"))
    [str(c) for c in cluster.writes()]        # ["apply ConfigMap/web/settings", ...]

    repo = MemoryRepo("https://git.example.com/web.git")
    repo.commit({"app": [configmap, deployment]})
    env = MemoryEnvironment(cluster, [repo])  # the reconciler's Environment

``tests/contract`` runs one suite on ``MemoryCluster`` and on a real API server, so the
model stays honest; ``tests/unit/engine`` drives the ``Reconciler`` through it. Modules:
``cluster`` (the facade: verbs, lock, record, faults), ``server`` (what each verb does),
``store``, ``ownership`` and ``fieldsets`` (server-side apply), ``merging``,
``collector`` (finalizers and garbage collection), ``kinds`` (discovery and schema
facts), ``validation``, ``secrets``, ``selectors``, ``faults``, ``calls`` (the call
record), ``controllers`` (status as Kubernetes' controllers would write it), ``clock``,
``environment``.
"""

from gitopsd.memory import controllers
from gitopsd.memory.calls import Call, Verb
from gitopsd.memory.clock import ManualClock
from gitopsd.memory.cluster import MemoryCluster
from gitopsd.memory.environment import MemoryEnvironment, MemoryRepo
from gitopsd.memory.faults import Fault, FaultKind

__all__ = [
    "Call",
    "Fault",
    "FaultKind",
    "ManualClock",
    "MemoryCluster",
    "MemoryEnvironment",
    "MemoryRepo",
    "Verb",
    "controllers",
]
