"""Settings an Application carries that gitopsd cannot honour, found before any work.

Unknown sync options, sync options with unreadable values and malformed
``ignoreDifferences`` entries (JSON pointers, jq expressions) become one message each,
naming the field (``spec.syncPolicy.syncOptions[1]: unknown sync option 'Frobnicate'``),
so the reconciler reports an ``InvalidSpecError`` instead of failing every pass or
silently ignoring what was asked. Malformed durations are found by the spec parser.
Called by :mod:`gitopsd.sync.reconciler` right after the spec is parsed.
"""

from __future__ import annotations

from typing import Any

from gitopsd.diff import ignore_rule_problems
from gitopsd.plan import sync_option_problems
from gitopsd.spec import ApplicationSpec


def spec_problems(raw: dict[str, Any], spec: ApplicationSpec) -> list[str]:
    """Settings the spec carries that gitopsd cannot honour, naming the field."""
    policy = raw.get("syncPolicy") or {}
    problems = ignore_rule_problems(spec.ignore_differences, "spec.ignoreDifferences")
    problems += sync_option_problems(
        [str(o) for o in policy.get("syncOptions") or []], "spec.syncPolicy.syncOptions"
    )
    return problems
