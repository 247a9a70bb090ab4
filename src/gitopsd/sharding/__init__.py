"""Applications and ApplicationSets spread over controller replicas, with Kubernetes
Leases as the only coordination (docs/architecture.md, "Sharding").

``hashing`` (rendezvous hashing: which member of a view owns a key), ``leases`` (each
member's Lease: name, body, reading), ``ownership`` (an immutable snapshot of what a
replica may act on), ``member`` (the protocol: renew, observe, acknowledge, hand over),
``loop`` (the thread that runs it), ``gate`` (the check before every write),
``rwlock``. Only the operator composes them; nothing here imports kopf or the kubernetes
client (Leases are read and written through ``ports.ClusterPort``).
"""

from gitopsd.sharding.gate import FencedCluster, Shard, Turn, Unsharded, WriteGate
from gitopsd.sharding.hashing import (
    View,
    application_key,
    appset_key,
    make_view,
    owner,
)
from gitopsd.sharding.leases import lease_key, lease_name
from gitopsd.sharding.loop import MembershipLoop
from gitopsd.sharding.member import ShardMember
from gitopsd.sharding.ownership import Ownership

__all__ = [
    "FencedCluster",
    "MembershipLoop",
    "Ownership",
    "Shard",
    "ShardMember",
    "Turn",
    "Unsharded",
    "View",
    "WriteGate",
    "application_key",
    "appset_key",
    "lease_key",
    "lease_name",
    "make_view",
    "owner",
]
