"""Argument parsing of the people's verbs: defaults, flags, selectors and usage errors."""

from __future__ import annotations

import pytest

from gitopsd.cli.app_context import application_ref
from gitopsd.cli.main import build_parser, main
from gitopsd.cli.output import OutputFormat
from gitopsd.cli.run import settings_from
from gitopsd.errors import ConfigError, GitopsdError
from gitopsd.model.operations import ResourceSelector, parse_resource_selector, parse_sync_option


def test_app_verbs_default_to_the_gitopsd_namespace_and_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITOPSD_NAMESPACE", raising=False)
    args = build_parser("app").parse_args(["app", "get", "web"])
    assert (args.namespace, args.output, args.context) == ("gitopsd", OutputFormat.TABLE, None)
    args = build_parser("app").parse_args(["app", "list", "-n", "team-a", "-o", "json"])
    assert (args.namespace, args.output) == ("team-a", OutputFormat.JSON)


def test_sync_flags() -> None:
    args = build_parser("app").parse_args(
        ["app", "sync", "web", "--async", "--timeout", "30", "--sync-option", "Prune=false"]
    )
    assert (args.no_wait, args.timeout, args.prune, args.dry_run) == (True, 30.0, False, False)
    assert args.sync_option == ["Prune=false"]
    assert args.resource == []


def test_wait_and_delete_flags() -> None:
    parser = build_parser("app")
    args = parser.parse_args(["app", "wait", "web", "--health"])
    assert (args.sync, args.health, args.operation, args.timeout) == (False, True, False, 300.0)
    args = parser.parse_args(["app", "delete", "web"])
    assert (args.cascade, args.wait) == (True, False)
    args = parser.parse_args(["app", "delete", "web", "--no-cascade", "--wait"])
    assert (args.cascade, args.wait) == (False, True)


def test_set_flags_are_tri_state() -> None:
    args = build_parser("app").parse_args(
        ["app", "set", "web", "--sync-policy", "automated", "--no-self-heal"]
    )
    assert (args.sync_policy, args.self_heal, args.prune, args.allow_empty) == (
        "automated",
        False,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apps:Deployment:web/api", ResourceSelector("apps", "Deployment", "web", "api")),
        (":Service:api", ResourceSelector("", "Service", "", "api")),
        (
            "rbac.authorization.k8s.io:ClusterRole:reader",
            ResourceSelector("rbac.authorization.k8s.io", "ClusterRole", "", "reader"),
        ),
    ],
)
def test_resource_selectors(text: str, expected: ResourceSelector) -> None:
    assert parse_resource_selector(text) == expected


@pytest.mark.parametrize(
    "text", ["Deployment:api", "apps:Deployment:", "apps::api", "a:b:c:d", "apps:Deployment:a/b/c"]
)
def test_malformed_resource_selectors_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="--resource"):
        parse_resource_selector(text)


def test_sync_options_default_to_true_and_are_trimmed() -> None:
    assert parse_sync_option(" Replace ") == "Replace=true"
    assert parse_sync_option("PrunePropagationPolicy = background") == (
        "PrunePropagationPolicy=background"
    )
    with pytest.raises(ConfigError):
        parse_sync_option("=true")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Frobnicate", "unknown sync option 'Frobnicate'"),
        ("replace=true", "did you mean 'Replace'"),
        ("Prune=later", "sync option Prune='later' is not one of true, false, confirm"),
    ],
)
def test_sync_options_gitopsd_cannot_read_are_refused_before_anything_is_written(
    text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_sync_option(text)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["app", "sync", "web", "--resource", "Deployment:api"])
    assert raised.value.code == 2
    assert "expected GROUP:KIND:NAME" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:
        main(["app", "get"])
    assert raised.value.code == 2


def test_diff_needs_exactly_one_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff"]) == 2
    assert "give exactly one of PATH or -f FILE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["app", "get", "web"], ("gitopsd", "web")),
        (["app", "get", "team-a/web"], ("team-a", "web")),
        (["app", "get", "web", "-N", "team-a"], ("team-a", "web")),
        (["app", "get", "web", "--app-namespace", "team-a", "-n", "ops"], ("team-a", "web")),
        (["app", "sync", "team-a/web", "-N", "team-a"], ("team-a", "web")),
        (["app", "delete", "web", "-n", "ops"], ("ops", "web")),
    ],
)
def test_app_verbs_name_an_application_in_any_namespace(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], expected: tuple[str, str]
) -> None:
    monkeypatch.delenv("GITOPSD_NAMESPACE", raising=False)
    assert application_ref(build_parser("app").parse_args(argv)) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["app", "get", "team-a/web", "-N", "team-b"], "is in namespace team-a, not"),
        (["app", "get", "a/b/web"], "expected NAME or NAMESPACE/NAME"),
        (["app", "get", "/web"], "expected NAME or NAMESPACE/NAME"),
        (["app", "get", "team-a/"], "expected NAME or NAMESPACE/NAME"),
    ],
)
def test_ambiguous_application_names_are_refused(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        application_ref(build_parser("app").parse_args(argv))


def test_app_list_takes_the_application_namespace() -> None:
    args = build_parser("app").parse_args(["app", "list", "-N", "team-a"])
    assert args.app_namespace == "team-a"


def test_run_takes_application_namespaces_from_the_flag_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITOPSD_APPLICATION_NAMESPACES", "team-a, team-*")
    args = build_parser("run").parse_args(["run"])
    assert settings_from(args).application_namespaces == ("team-a", "team-*")
    args = build_parser("run").parse_args(["run", "--application-namespaces", "/^ci-/"])
    assert settings_from(args).application_namespaces == ("/^ci-/",)
    args = build_parser("run").parse_args(["run", "--application-namespaces", "ok,/(/"])
    with pytest.raises(ConfigError, match=r"^--application-namespaces: /\(/: invalid regular"):
        settings_from(args)


def test_run_shards_with_a_replica_id_and_lease_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITOPSD_SHARDING", "true")
    monkeypatch.setenv("GITOPSD_REPLICA_ID", "gitopsd-7d4b9c-x2k4p")
    monkeypatch.setenv("GITOPSD_LEASE_DURATION", "30s")
    settings = settings_from(build_parser("run").parse_args(["run", "--renew-deadline", "20s"]))
    assert settings.sharding
    assert settings.identity == "gitopsd-7d4b9c-x2k4p"
    timing = settings.lease_timing
    assert (timing.lease_seconds, timing.renew_deadline_seconds) == (30.0, 20.0)
    assert timing.retry_period_seconds == 2.0
    assert not settings_from(build_parser("run").parse_args(["run"])).identity.startswith("-")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--replica-id", "Replica_A"], r"--replica-id 'Replica_A': must be lower-case"),
        (["--renew-deadline", "15s"], r"renew deadline must be positive and shorter"),
        (["--retry-period", "12s"], r"retry period must be positive and shorter"),
        (["--lease-duration", "soon"], r"--lease-duration: invalid duration"),
    ],
)
def test_run_refuses_inconsistent_sharding_flags(argv: list[str], message: str) -> None:
    args = build_parser("run").parse_args(["run", "--sharding", *argv])
    with pytest.raises(GitopsdError, match=message):
        settings_from(args)


def test_run_has_no_kopf_peering_and_no_leader_election(capsys: pytest.CaptureFixture[str]) -> None:
    for flag in ("--peering", "--leader-elect"):
        with pytest.raises(SystemExit):
            build_parser("run").parse_args(["run", flag, "x"])
    capsys.readouterr()
