"""The reconciler's public names, where callers have always imported them from.

The reconciler itself is the package :mod:`gitopsd.sync.reconcile`, one module per stage.
"""

from gitopsd.sync.passes import AppEvent
from gitopsd.sync.reconcile.reconciler import Reconciler
from gitopsd.sync.reconcile.result import MetricFacts, ReconcileResult

__all__ = ["AppEvent", "MetricFacts", "ReconcileResult", "Reconciler"]
