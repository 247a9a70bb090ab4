"""The resources finalizer: one name written, every earlier and Argo CD name honoured."""

from __future__ import annotations

import re

import pytest

from gitopsd.model.annotations import RESOURCES_FINALIZER
from gitopsd.model.app_patches import finalizers_patch
from gitopsd.model.finalizers import (
    current_name,
    is_resources_finalizer,
    resources_finalizer_propagation,
    resources_finalizers,
)
from gitopsd.model.vocab import PropagationPolicy

# The API server's rule for finalizer names: a qualified name, domain prefix and a path.
QUALIFIED = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")


def test_the_written_name_is_domain_qualified_with_a_path() -> None:
    assert RESOURCES_FINALIZER == "gitopsd.io/resources-finalizer"
    assert QUALIFIED.fullmatch(RESOURCES_FINALIZER)
    for name in ("resources-finalizer.gitopsd.io", "resources-finalizer.argocd.argoproj.io"):
        assert QUALIFIED.fullmatch(current_name(name))
        assert QUALIFIED.fullmatch(current_name(f"{name}/background"))


@pytest.mark.parametrize(
    ("name", "propagation"),
    [
        ("gitopsd.io/resources-finalizer", PropagationPolicy.FOREGROUND),
        ("gitopsd.io/resources-finalizer-foreground", PropagationPolicy.FOREGROUND),
        ("gitopsd.io/resources-finalizer-background", PropagationPolicy.BACKGROUND),
        ("resources-finalizer.gitopsd.io", PropagationPolicy.FOREGROUND),
        ("resources-finalizer.gitopsd.io/background", PropagationPolicy.BACKGROUND),
        ("resources-finalizer.argocd.argoproj.io", PropagationPolicy.FOREGROUND),
        ("resources-finalizer.argocd.argoproj.io/foreground", PropagationPolicy.FOREGROUND),
        ("resources-finalizer.argocd.argoproj.io/background", PropagationPolicy.BACKGROUND),
        ("gitopsd.io/resources-finalizerX", None),
        ("resources-finalizer.gitopsd.iox", None),
        ("example.com/keep", None),
    ],
)
def test_each_name_says_how_it_deletes(name: str, propagation: PropagationPolicy | None) -> None:
    assert resources_finalizer_propagation(name) == propagation
    assert is_resources_finalizer(name) is (propagation is not None)


def test_convert_maps_earlier_and_argo_cd_names_to_the_written_ones() -> None:
    assert current_name("resources-finalizer.argocd.argoproj.io") == RESOURCES_FINALIZER
    assert (
        current_name("resources-finalizer.argocd.argoproj.io/background")
        == "gitopsd.io/resources-finalizer-background"
    )
    assert current_name("resources-finalizer.gitopsd.io/foreground") == (
        "gitopsd.io/resources-finalizer-foreground"
    )
    assert current_name("example.com/keep") == "example.com/keep"


def test_cascade_adds_the_new_name_and_keeps_any_existing_one() -> None:
    assert finalizers_patch({"finalizers": ["a/b"], "resourceVersion": "3"}, cascade=True) == {
        "metadata": {"finalizers": ["a/b", RESOURCES_FINALIZER], "resourceVersion": "3"}
    }
    legacy = {"finalizers": ["resources-finalizer.gitopsd.io"], "resourceVersion": "3"}
    assert finalizers_patch(legacy, cascade=True) is None
    argo = {"finalizers": ["x/y", "resources-finalizer.argocd.argoproj.io/background"]}
    assert finalizers_patch(argo, cascade=False) == {
        "metadata": {"finalizers": ["x/y"], "resourceVersion": None}
    }
    assert resources_finalizers(["x/y", RESOURCES_FINALIZER]) == (RESOURCES_FINALIZER,)
