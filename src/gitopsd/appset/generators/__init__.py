"""ApplicationSet generators: each turns one generator entry into parameter sets.

One module per generator kind (``list``, ``clusters``, ``git``, ``matrix``, ``merge``);
:func:`generate_params` dispatches on the entry's kind and applies the entry's
``selector`` post-filter. Generators never swallow a failure: a Git or cluster error raises,
so an empty result always means "generated nothing" and may safely delete Applications.
Called by :mod:`gitopsd.appset.generate`.
"""

from __future__ import annotations

from gitopsd.appset.generators.context import GeneratorContext
from gitopsd.appset.generators.dispatch import generate_params, generator_kind

__all__ = ["GeneratorContext", "generate_params", "generator_kind"]
