"""When golden files may be rewritten: only with ``GITOPSD_UPDATE_GOLDEN=1``.

Every golden-file helper asks :func:`updating`. Any other value (``0``, ``false``, ``yes``,
an empty string) compares, so a test run can never rewrite its own expectations by an
accident of the environment. Review the diff of rewritten files before committing them.
"""

from __future__ import annotations

import os

UPDATE_VARIABLE = "GITOPSD_UPDATE_GOLDEN"


def updating() -> bool:
    """True only when the update variable is exactly ``1``."""
    return os.environ.get(UPDATE_VARIABLE) == "1"
