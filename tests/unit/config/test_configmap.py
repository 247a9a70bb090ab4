"""gitopsd-cm parsing: reconciliation timeout, global ignore rules, resource filters."""

from __future__ import annotations

import pytest

from gitopsd.config import LeaseTiming, parse_configmap
from gitopsd.errors import ConfigError

EXCLUSIONS = """
- apiGroups: ["*.crossplane.io"]
  kinds: ["ProviderConfigUsage"]
  clusters: ["*"]
- apiGroups: [""]
  kinds: ["Secret"]
"""


def test_reconciliation_timeout_and_global_ignore_rules() -> None:
    settings = parse_configmap(
        {
            "timeout.reconciliation": "3m",
            "resource.customizations.ignoreDifferences.all": "jsonPointers:\n- /spec/replicas\n",
        }
    )
    assert settings.reconciliation_seconds == 180.0
    (rule,) = settings.global_ignore_differences
    assert (rule.group, rule.kind, rule.json_pointers) == ("*", "*", ("/spec/replicas",))


@pytest.mark.parametrize(
    ("group", "kind", "excluded"),
    [
        ("pkg.crossplane.io", "ProviderConfigUsage", True),
        ("pkg.crossplane.io", "Provider", False),
        ("", "Secret", True),
        ("", "ConfigMap", False),
        ("apps", "Secret", False),
    ],
)
def test_resource_exclusions(group: str, kind: str, excluded: bool) -> None:
    filters = parse_configmap({"resource.exclusions": EXCLUSIONS}).resource_filters
    assert filters.excluded(group, kind, "https://kubernetes.default.svc") is excluded


def test_resource_inclusions_manage_only_what_they_name() -> None:
    text = '- apiGroups: ["apps"]\n  kinds: ["*"]\n  clusters: ["https://prod.*"]\n'
    filters = parse_configmap({"resource.inclusions": text}).resource_filters
    assert not filters.excluded("apps", "Deployment", "https://prod.example.com")
    assert filters.excluded("apps", "Deployment", "https://dev.example.com")
    assert filters.excluded("", "ConfigMap", "https://prod.example.com")


@pytest.mark.parametrize(
    "data",
    [
        {"resource.exclusions": "kinds: [Secret]"},
        {"resource.exclusions": "- [unclosed"},
        {"timeout.reconciliation": "soon"},
    ],
)
def test_bad_settings_are_clear_errors(data: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="gitopsd-cm"):
        parse_configmap(data)


def test_application_namespaces_from_the_configmap() -> None:
    settings = parse_configmap({"application.namespaces": "team-a, team-*,/^ci-[0-9]+$/"})
    assert settings.application_namespaces == ("team-a", "team-*", "/^ci-[0-9]+$/")
    assert parse_configmap({}).application_namespaces == ()
    with pytest.raises(ConfigError, match=r"^gitopsd-cm: application.namespaces: /\[/: invalid"):
        parse_configmap({"application.namespaces": "team-a,/[/"})


def test_sharding_lease_times_override_the_flags() -> None:
    flags = LeaseTiming()
    settings = parse_configmap(
        {"controller.sharding.leaseDuration": "30s", "controller.sharding.renewDeadline": "20s"}
    )
    assert settings.lease_timing(flags) == LeaseTiming(30.0, 20.0, 2.0)
    assert parse_configmap({}).lease_timing(flags) == flags


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"controller.sharding.leaseDuration": "5s"},
            "renew deadline must be positive and shorter",
        ),
        ({"controller.sharding.retryPeriod": "0s"}, "retryPeriod: must be a positive duration"),
        ({"controller.sharding.renewDeadline": "later"}, "renewDeadline: invalid duration"),
    ],
)
def test_inconsistent_sharding_lease_times_are_refused(data: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_configmap(data).lease_timing(LeaseTiming())
