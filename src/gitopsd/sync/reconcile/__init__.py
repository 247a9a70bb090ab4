"""The reconciler as a package, one module per stage of a pass.

``reconciler`` (the :class:`Reconciler`, which calls the stages in order), ``loading``
(spec, project, cluster: the gate), ``endings`` (refusals, terminated or overdue
operations), ``assess`` (render, desired set, project checks, live state, comparison; also
``gitopsd app diff``'s), ``automation`` (sync windows, automated sync and self-heal),
``operating`` (one pass of the operation), ``orphans``, ``report`` (status and events),
``memory`` (what is remembered between passes) and ``result`` (what a pass returns). The
package imports nothing at import time, so its stages can import each other; the
public names are re-exported by :mod:`gitopsd.sync.reconciler`.
"""
