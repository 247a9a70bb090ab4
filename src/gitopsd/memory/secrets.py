"""A Secret's write-only ``stringData``, folded into ``data`` as the API server does on
every write, so the model never stores or returns ``stringData``. The fold is the one the
diff applies to both sides before comparing, so the model and the diff cannot disagree on
it."""

from __future__ import annotations

from gitopsd.diff.normalize import fold_string_data

__all__ = ["fold_string_data"]
