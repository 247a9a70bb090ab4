"""Where the render tools are.

Tools are found on ``PATH`` unless :class:`RenderTools` names them; the environment they
run in is :func:`gitopsd.render.sandbox.sealed_environment`. Called by
:mod:`gitopsd.render.kustomize` and :mod:`gitopsd.render.helm`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from gitopsd.errors import ToolError


@dataclass(frozen=True)
class RenderTools:
    """The binaries to render with: a name looked up on PATH, or an absolute path."""

    kustomize: str = "kustomize"
    helm: str = "helm"


def find_binary(name: str, subject: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolError(f"{subject}: {name} not found on PATH")
    return found
