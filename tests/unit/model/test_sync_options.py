"""Sync options: read once into a typed value; the application's list, the operation's
and the object's annotation stacked, the later layer winning for what it sets."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gitopsd.errors import DesiredSetError
from gitopsd.model.sync_options import (
    NO_OPTIONS,
    SyncOptions,
    object_sync_options,
    read_sync_options,
    split_options,
    sync_option_problems,
)
from gitopsd.model.vocab import Consent, PropagationPolicy

DEFAULTS = SyncOptions()


def _stacked(app: list[str], obj: str) -> SyncOptions:
    options, problems = read_sync_options(app)
    assert [p for p in problems if not p.unknown] == []
    return options.overridden_by(object_sync_options(obj, "Deployment/web/api"))


@pytest.mark.parametrize(
    ("app", "obj", "changed"),
    [
        ([], "", {}),
        (["CreateNamespace=true"], "", {"create_namespace": True}),
        (["ApplyOutOfSyncOnly=true"], "", {"apply_out_of_sync_only": True}),
        ([], "ServerSideApply=false", {"server_side_apply": False}),
        ([], "Replace=true,Force=true", {"replace": True, "force": True}),
        (["Validate=false"], "", {"validate": False}),
        ([], "SkipDryRunOnMissingResource=true", {"skip_dry_run_on_missing_resource": True}),
        (["FailOnSharedResource=true"], "", {"fail_on_shared_resource": True}),
        (["RespectIgnoreDifferences=true"], "", {"respect_ignore_differences": True}),
        (["PruneLast=true"], "PruneLast=false", {}),  # the object wins
        ([], "PruneLast", {"prune_last": True}),  # a bare name means true
        ([], " Prune = false , PruneLast ", {"prune": Consent.NEVER, "prune_last": True}),
        ([], "Prune=confirm", {"prune": Consent.CONFIRM}),
        ([], "Delete=false", {"delete": Consent.NEVER}),
        (
            ["PrunePropagationPolicy=orphan"],
            "PrunePropagationPolicy=Background",
            {"prune_propagation_policy": PropagationPolicy.BACKGROUND},
        ),
        (["Validate=FALSE"], "", {"validate": False}),  # values are case-insensitive
        (["Replace=True"], "", {"replace": True}),
        ([], "SomethingNewer=true", {}),  # an annotation's unknown names are ignored
    ],
)
def test_layers_stack_into_typed_options(app: list[str], obj: str, changed: dict[str, Any]) -> None:
    assert _stacked(app, obj) == dataclasses.replace(DEFAULTS, **changed)


def test_a_later_layer_overrides_only_what_it_sets() -> None:
    app = read_sync_options(["Prune=false", "Validate=false"])[0]
    operation = read_sync_options(["Prune=true"])[0]
    stacked = app.overridden_by(operation)
    assert (stacked.prune, stacked.validate) == (Consent.ALLOWED, False)
    assert NO_OPTIONS.overridden_by(NO_OPTIONS) == DEFAULTS
    assert stacked.written() == {"Prune": "true", "Validate": "false"}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ("Replace=yes", "Deployment/web/api: sync option Replace='yes' is not one of true, false"),
        ("Prune=later", "Deployment/web/api: sync option Prune='later' is not one of true, false"),
        (
            "PrunePropagationPolicy=cascade",
            "Deployment/web/api: sync option PrunePropagationPolicy='cascade' is not one of",
        ),
    ],
)
def test_an_objects_unreadable_value_is_refused_naming_the_object(obj: str, message: str) -> None:
    with pytest.raises(DesiredSetError, match="^" + message.replace("(", r"\(")):
        object_sync_options(obj, "Deployment/web/api")


def test_problems_name_each_entry_unknown_names_and_bad_values() -> None:
    problems = sync_option_problems(
        ["CreateNamespace=true", "Prune=flase", "Frobnicate", "PruneLast", "prune=false"],
        "spec.syncPolicy.syncOptions",
    )
    assert len(problems) == 3
    assert problems[0].startswith("spec.syncPolicy.syncOptions[1]: sync option Prune='flase'")
    assert problems[1].startswith(
        "spec.syncPolicy.syncOptions[2]: unknown sync option 'Frobnicate' (known: "
    )
    assert problems[2] == (
        "spec.syncPolicy.syncOptions[4]: unknown sync option 'prune'; did you mean 'Prune'?"
    )


def test_an_unreadable_entry_is_left_out_of_the_options() -> None:
    options, problems = read_sync_options(["Replace=maybe", "Force=true"])
    assert (options.replace, options.force) == (False, True)
    assert [(p.index, p.name, p.unknown) for p in problems] == [(0, "Replace", False)]


def test_annotation_text_splits_on_commas() -> None:
    assert split_options(" Prune=false ,, PruneLast ") == ["Prune=false", "PruneLast"]
    assert split_options(None) == []
