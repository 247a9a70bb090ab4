"""Application status, with Argo CD's field names.

Pure functions from what a reconcile learned (the comparison, the operation, the
revision) to the ``status`` body: ``sync``, ``health``, ``resources[]``,
``operationState``, ``history[]``, ``conditions[]``, ``reconciledAt``, ``summary``.
Called by the reconciler; secret values never reach here (diffs are already masked).
"""

from gitopsd.status.conditions import Condition, set_conditions
from gitopsd.status.history import append_history
from gitopsd.status.resources import inventory_of, resource_entries, summary_images

__all__ = [
    "Condition",
    "append_history",
    "inventory_of",
    "resource_entries",
    "set_conditions",
    "summary_images",
]
