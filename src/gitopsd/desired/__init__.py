"""The desired set: what one Application wants in the cluster, ready to diff and plan.

Rendered objects go in; out comes a ``DesiredSet`` with defaulted namespaces, tracking
label and annotation on every object, hooks separated from regular resources, and both in
the sync order of :mod:`gitopsd.desired.order`. Called by the sync engine between the
render and the diff stages.
"""

from gitopsd.desired.building import build_desired_set
from gitopsd.desired.objects import DesiredObject, DesiredSet
from gitopsd.desired.order import KIND_ORDER, PHASE_ORDER, kind_rank, sync_order_key
from gitopsd.desired.tracking import tracking_label_value, tracking_mismatch
from gitopsd.desired.waves import parse_wave

__all__ = [
    "KIND_ORDER",
    "PHASE_ORDER",
    "DesiredObject",
    "DesiredSet",
    "build_desired_set",
    "kind_rank",
    "parse_wave",
    "sync_order_key",
    "tracking_label_value",
    "tracking_mismatch",
]
