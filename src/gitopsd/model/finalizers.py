"""The resources finalizer under all its names, and what each name asks for.

gitopsd writes ``gitopsd.io/resources-finalizer`` (deletes with foreground propagation)
or its ``-background`` / ``-foreground`` variants. Earlier releases wrote
``resources-finalizer.gitopsd.io``, which the API server warns about (a finalizer name
should be domain-qualified with a path), and Argo CD writes
``resources-finalizer.argocd.argoproj.io``; both are still honoured, with their
``/background`` and ``/foreground`` stages, so existing Applications keep cascading.
Called by deletion (which finalizers to run, with which propagation), ``app set
--cascade``, the server's cascade toggle, ApplicationSets (``preserveResourcesOnDeletion``)
and ``convert``.
"""

from __future__ import annotations

from collections.abc import Iterable

from gitopsd.model.annotations import (
    ARGOCD_RESOURCES_FINALIZER,
    BACKGROUND_FINALIZER_SUFFIX,
    FOREGROUND_FINALIZER_SUFFIX,
    LEGACY_RESOURCES_FINALIZER,
    RESOURCES_FINALIZER,
    RESOURCES_FINALIZER_BACKGROUND,
    RESOURCES_FINALIZER_FOREGROUND,
)
from gitopsd.model.vocab import PropagationPolicy

_CURRENT = {
    RESOURCES_FINALIZER: PropagationPolicy.FOREGROUND,
    RESOURCES_FINALIZER_FOREGROUND: PropagationPolicy.FOREGROUND,
    RESOURCES_FINALIZER_BACKGROUND: PropagationPolicy.BACKGROUND,
}
_DOTTED = (LEGACY_RESOURCES_FINALIZER, ARGOCD_RESOURCES_FINALIZER)


def resources_finalizer_propagation(name: str) -> PropagationPolicy | None:
    """How the finalizer ``name`` deletes (None: it is not a resources finalizer)."""
    if name in _CURRENT:
        return _CURRENT[name]
    for base in _DOTTED:
        if name == base or name.startswith(base + "/"):
            background = name.endswith(BACKGROUND_FINALIZER_SUFFIX)
            return PropagationPolicy.BACKGROUND if background else PropagationPolicy.FOREGROUND
    return None


def is_resources_finalizer(name: str) -> bool:
    """The cascade-delete finalizer under any of its names."""
    return resources_finalizer_propagation(name) is not None


def resources_finalizers(finalizers: Iterable[object]) -> tuple[str, ...]:
    """The resources finalizers among ``finalizers``, in their order."""
    return tuple(str(f) for f in finalizers if is_resources_finalizer(str(f)))


def current_name(name: str) -> str:
    """The name gitopsd writes for the resources finalizer ``name`` (an earlier or Argo
    CD's one, with its stage); other finalizers are returned unchanged."""
    for base in _DOTTED:
        if name == base:
            return RESOURCES_FINALIZER
        if name == base + BACKGROUND_FINALIZER_SUFFIX:
            return RESOURCES_FINALIZER_BACKGROUND
        if name == base + FOREGROUND_FINALIZER_SUFFIX:
            return RESOURCES_FINALIZER_FOREGROUND
    return name
