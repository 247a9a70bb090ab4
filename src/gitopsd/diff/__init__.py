"""Diff of desired against live objects: the stage between the desired set and the plan.

The reconciler calls :func:`diff_object` per object with the server-side-apply dry-run
result and the live object; status, events and ``gitopsd app diff`` read the resulting
:class:`ObjectDiff` (changed fields, who drifted, masked JSON Patch and text). The sync
stage calls :func:`respect_ignored` for ``RespectIgnoreDifferences=true``. Modules:
``normalize`` and ``quantities`` (what is not compared), ``ignore`` (ignoreDifferences),
``fields`` and ``managers`` (managedFields and who drifted), ``compare``, ``render``, and
``comparison`` (what a whole Application's comparison found: :class:`Comparison`).
"""

from gitopsd.diff.compare import (
    ChangeKind,
    DiffOptions,
    FieldChange,
    ObjectDiff,
    diff_object,
    is_ignored_extraneous,
)
from gitopsd.diff.comparison import Comparison, ObjectComparison, shared_resources
from gitopsd.diff.fields import fields_v1_paths
from gitopsd.diff.ignore import apply_ignore_rules, ignore_rule_problems, respect_ignored
from gitopsd.diff.managers import DriftManager, drift_managers, last_writer
from gitopsd.diff.normalize import NORMALIZED_AWAY, normalize
from gitopsd.diff.render import format_diffs

__all__ = [
    "NORMALIZED_AWAY",
    "ChangeKind",
    "Comparison",
    "DiffOptions",
    "DriftManager",
    "FieldChange",
    "ObjectComparison",
    "ObjectDiff",
    "apply_ignore_rules",
    "diff_object",
    "drift_managers",
    "fields_v1_paths",
    "format_diffs",
    "ignore_rule_problems",
    "is_ignored_extraneous",
    "last_writer",
    "normalize",
    "respect_ignored",
    "shared_resources",
]
