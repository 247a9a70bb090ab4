"""Argo CD's name normalisation, shared by the generators and the ``normalize`` function.

``sanitize_name`` turns any string into a valid DNS subdomain the way Argo CD's
``SanitizeName`` does: lower case, every character outside ``[-a-z0-9.]`` becomes ``-``,
cut at 253 characters, leading and trailing ``-``/``.`` removed.
"""

from __future__ import annotations

import re

_INVALID = re.compile(r"[^-a-z0-9.]")
_MAX_DNS_NAME = 253


def sanitize_name(name: str) -> str:
    cleaned = _INVALID.sub("-", name.lower())[:_MAX_DNS_NAME]
    return cleaned.strip("-.")
