"""Sync options: app-level list and per-object annotation merged, the object winning."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from gitopsd.errors import DesiredSetError
from gitopsd.model.annotations import options_from_list, parse_options
from gitopsd.plan import Consent, ObjectSyncOptions, PropagationPolicy, resolve_options

DEFAULTS = ObjectSyncOptions()


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
        ([], "Prune=false", {"prune": Consent.NEVER}),
        ([], "Prune=confirm", {"prune": Consent.CONFIRM}),
        ([], "Delete=false", {"delete": Consent.NEVER}),
        (
            ["PrunePropagationPolicy=orphan"],
            "PrunePropagationPolicy=Background",
            {"prune_propagation_policy": PropagationPolicy.BACKGROUND},
        ),
        (["Validate=FALSE"], "", {"validate": False}),  # values are case-insensitive
        (["SomethingNewer=true"], "", {}),  # options gitopsd does not read are ignored
    ],
)
def test_resolve_options(app: list[str], obj: str, changed: dict[str, Any]) -> None:
    resolved = resolve_options(options_from_list(app), parse_options(obj))
    assert resolved == dataclasses.replace(DEFAULTS, **changed)


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
def test_invalid_values_are_refused_naming_the_object(obj: str, message: str) -> None:
    with pytest.raises(DesiredSetError, match="^" + message.replace("(", r"\(")):
        resolve_options({}, parse_options(obj), owner="Deployment/web/api")
