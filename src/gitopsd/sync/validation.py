"""Settings an Application carries that gitopsd cannot honour, found before any work.

Unknown sync options, sync options with unreadable values and malformed
``ignoreDifferences`` entries (JSON pointers, jq expressions) become one message each,
naming the field (``spec.syncPolicy.syncOptions[1]: unknown sync option 'Frobnicate'``),
so the reconciler reports an ``InvalidSpecError`` instead of failing every pass or
silently ignoring what was asked. Malformed durations are found by the spec parser.
Called by :mod:`gitopsd.sync.reconciler` right after the spec is parsed.
"""

from __future__ import annotations

from gitopsd.diff import ignore_rule_problems
from gitopsd.spec import ApplicationSpec


def spec_problems(spec: ApplicationSpec) -> list[str]:
    """Settings the spec carries that gitopsd cannot honour, naming the field. The sync
    options were read once, by the spec parser, which kept what it could not read."""
    problems = ignore_rule_problems(spec.ignore_differences, "spec.ignoreDifferences")
    return problems + list(spec.sync_policy.sync_option_problems)
