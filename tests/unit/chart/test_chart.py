"""The Helm chart in ``deploy/helm/gitopsd`` and the ``Dockerfile``: the chart lints and
renders with the real helm, the controller runs locked down with the flags, environment and
Secret keys ``gitopsd run`` reads, RBAC follows ``rbac.clusterWide``, the CRDs are the
repository's, the alerts fire (real promtool), and the image pins the tool versions the
tests use."""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cli import run
from gitopsd.cli.plugin import load_plugins
from gitopsd.render.plugins import registry_from_configmap

REPO = Path(__file__).resolve().parents[3]
CHART = REPO / "deploy" / "helm" / "gitopsd"
NAMESPACE = "gitopsd"

OPTION_SETS = {
    "defaults": (),
    "namespaced-rbac": ("rbac.clusterWide=false", "rbac.namespaces={team-a,team-b}"),
    "monitoring": ("serviceMonitor.enabled=true", "prometheusRule.enabled=true"),
    "standalone": ("replicaCount=1", "rbac.create=false"),
    "sharded": ("replicaCount=3",),
}


def _helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["helm", *args], capture_output=True, text=True, check=False, timeout=120)


def _render(*sets: str) -> list[dict[str, Any]]:
    args = [arg for value in sets for arg in ("--set", value)]
    done = _helm("template", "gd", str(CHART), "--namespace", NAMESPACE, *args)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def _only(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, f"{kind} {name or ''}: found {len(found)}"
    return found[0]


@pytest.mark.parametrize("sets", OPTION_SETS.values(), ids=OPTION_SETS.keys())
def test_chart_lints_and_renders(sets: tuple[str, ...]) -> None:
    args = [arg for value in sets for arg in ("--set", value)]
    lint = _helm("lint", "--strict", str(CHART), *args)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    docs = _render(*sets)
    # Everything lands in the release namespace, but the Roles rbac.namespaces asks for.
    granted = {
        n
        for v in sets
        if v.startswith("rbac.namespaces=")
        for n in re.findall(r"[\w-]+", v.split("=")[1])
    }
    assert {d["metadata"].get("namespace") for d in docs} <= {None, NAMESPACE, *granted}
    _only(docs, "Deployment", "gd-gitopsd")


def test_crds_in_the_chart_are_the_repository_crds() -> None:
    ours = {p.name: p.read_bytes() for p in (REPO / "crds").glob("*.yaml")}
    charted = {p.name: p.read_bytes() for p in (CHART / "crds").glob("*.yaml")}
    assert len(ours) == 3
    assert charted == ours


def test_controller_runs_without_privileges() -> None:
    pod = _only(_render(), "Deployment", "gd-gitopsd")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["runAsNonRoot"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    # The read-only root needs writable scratch space and a Git cache.
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"tmp": "/tmp", "git-cache": "/var/cache/gitopsd"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(volumes) == {"tmp", "git-cache"}
    assert all("emptyDir" in v for v in volumes.values())


def test_controller_watches_its_namespace_and_serves_probes_on_the_metrics_port() -> None:
    pod = _only(_render("controller.namespace=apps"), "Deployment", "gd-gitopsd")["spec"][
        "template"
    ]["spec"]
    (container,) = pod["containers"]
    assert container["args"] == [
        "--namespace=apps",
        "--metrics-port=8082",
        "--webhook-port=8083",
        "--reconcile-interval=120s",
    ]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"metrics": 8082, "webhook": 8083}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}


def _rules(doc: dict[str, Any]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = doc["rules"]
    return rules


def test_cluster_wide_rbac_manages_everything() -> None:
    docs = _render()
    manager = _only(docs, "ClusterRole", "gd-gitopsd-manager")
    assert {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]} in _rules(manager)
    binding = _only(docs, "ClusterRoleBinding", "gd-gitopsd-manager")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "gd-gitopsd", "namespace": NAMESPACE}
    ]
    own = _only(docs, "Role", "gd-gitopsd")
    resources = {r for rule in _rules(own) for r in rule["resources"]}
    assert {"applications", "applications/status", "events", "leases", "secrets"} <= resources
    leases = next(rule for rule in _rules(own) if "leases" in rule["resources"])
    assert {"get", "list", "create", "update", "delete"} <= set(leases["verbs"])


def test_namespaced_rbac_manages_only_the_listed_namespaces() -> None:
    docs = _render(*OPTION_SETS["namespaced-rbac"])
    cluster_roles = [d for d in docs if d["kind"] == "ClusterRole"]
    assert [d["metadata"]["name"] for d in cluster_roles] == ["gd-gitopsd-base"]
    assert all("*" not in rule["verbs"] for rule in _rules(cluster_roles[0]))
    managers = [
        d for d in docs if d["kind"] == "Role" and d["metadata"]["name"].endswith("manager")
    ]
    assert sorted(d["metadata"]["namespace"] for d in managers) == ["team-a", "team-b"]
    bindings = [
        d
        for d in docs
        if d["kind"] == "RoleBinding" and not d["metadata"]["name"].startswith("gd-gitopsd-server")
    ]
    assert sorted(d["metadata"]["namespace"] for d in bindings) == [NAMESPACE, "team-a", "team-b"]


APP_NAMESPACE_RESOURCES = {"applications", "applications/status", "events"}


def test_application_namespaces_become_the_flag() -> None:
    docs = _render("controller.applicationNamespaces={team-a,team-*}")
    (container,) = _only(docs, "Deployment", "gd-gitopsd")["spec"]["template"]["spec"]["containers"]
    assert "--application-namespaces=team-a,team-*" in container["args"]
    assert "--application-namespaces" in _run_options()
    (default,) = _only(_render(), "Deployment", "gd-gitopsd")["spec"]["template"]["spec"][
        "containers"
    ]
    assert not [a for a in default["args"] if a.startswith("--application-namespaces")]


def test_application_namespaces_get_applications_and_events_only() -> None:
    docs = _render(
        *OPTION_SETS["namespaced-rbac"],
        f"controller.applicationNamespaces={{team-c,team-d,{NAMESPACE}}}",
    )
    roles = [d for d in docs if d["metadata"]["name"] == "gd-gitopsd-applications"]
    # The control plane's own Role already covers it; no ClusterRole for plain names.
    assert sorted((d["kind"], d["metadata"]["namespace"]) for d in roles) == [
        ("Role", "team-c"),
        ("Role", "team-d"),
        ("RoleBinding", "team-c"),
        ("RoleBinding", "team-d"),
    ]
    for role in (d for d in roles if d["kind"] == "Role"):
        assert {r for rule in _rules(role) for r in rule["resources"]} == APP_NAMESPACE_RESOURCES
        assert all(
            "*" not in rule["verbs"] and "delete" not in rule["verbs"] for rule in _rules(role)
        )


def test_a_namespace_pattern_needs_a_cluster_role_limited_to_applications() -> None:
    docs = _render(*OPTION_SETS["namespaced-rbac"], "controller.applicationNamespaces={/^ci-/}")
    role = _only(docs, "ClusterRole", "gd-gitopsd-applications")
    assert {r for rule in _rules(role) for r in rule["resources"]} == APP_NAMESPACE_RESOURCES
    binding = _only(docs, "ClusterRoleBinding", "gd-gitopsd-applications")
    assert binding["roleRef"]["name"] == "gd-gitopsd-applications"
    assert not [d for d in docs if d["kind"] == "Role" and "applications" in d["metadata"]["name"]]


def test_cluster_wide_rbac_needs_nothing_more_for_application_namespaces() -> None:
    docs = _render("controller.applicationNamespaces={team-*}")
    assert not [d for d in docs if d["metadata"]["name"] == "gd-gitopsd-applications"]


def test_no_kopf_peering_anywhere() -> None:
    """One way to run several replicas (sharding over Leases): kopf's peering CRDs,
    objects and RBAC are not part of the chart, whatever the values."""
    for sets in OPTION_SETS.values():
        for doc in _render(*sets):
            assert "kopf" not in yaml.safe_dump(doc).lower(), doc["metadata"]["name"]


def test_several_replicas_shard_with_their_pod_names_and_hand_over_by_rolling_update() -> None:
    sharded = _only(_render("replicaCount=3"), "Deployment", "gd-gitopsd")
    assert sharded["spec"]["replicas"] == 3
    assert sharded["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    (container,) = sharded["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["GITOPSD_SHARDING"]["value"] == "true"
    assert env["GITOPSD_REPLICA_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    times = {n: env[n]["value"] for n in ("GITOPSD_LEASE_DURATION", "GITOPSD_RENEW_DEADLINE")}
    assert times == {"GITOPSD_LEASE_DURATION": "15s", "GITOPSD_RENEW_DEADLINE": "10s"}
    # One replica without sharding: never two controllers at once, even during a rollout.
    single = _only(_render(), "Deployment", "gd-gitopsd")
    assert single["spec"]["strategy"] == {"type": "Recreate"}
    (alone,) = single["spec"]["template"]["spec"]["containers"]
    assert not {"GITOPSD_SHARDING", "GITOPSD_REPLICA_ID"} & {e["name"] for e in alone["env"]}
    forced = _only(_render("sharding.enabled=true"), "Deployment", "gd-gitopsd")
    (one,) = forced["spec"]["template"]["spec"]["containers"]
    assert "GITOPSD_SHARDING" in {e["name"] for e in one["env"]}


def _webhook_secret(*sets: str) -> dict[str, str]:
    secret = _only(_render(*sets), "Secret", "gitopsd-secret")
    return {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}


def test_webhook_secrets_are_generated_unless_given() -> None:
    generated = _webhook_secret()
    # The keys the controller reads (operator/runtime.py), but Bitbucket Cloud's UUID.
    assert sorted(generated) == [
        "webhook.bitbucketserver.secret",
        "webhook.generic.secret",
        "webhook.github.secret",
        "webhook.gitlab.secret",
        "webhook.gogs.secret",
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9]{40}", v) for v in generated.values())
    assert generated != _webhook_secret()  # random per render (lookup keeps it in a cluster)
    given = _webhook_secret("webhook.github.secret=s3cret", "webhook.bitbucket.uuid=0f1e2d3c")
    assert given["webhook.github.secret"] == "s3cret"
    assert given["webhook.bitbucket.uuid"] == "0f1e2d3c"


def test_pods_roll_when_a_given_webhook_secret_changes() -> None:
    def checksum(*sets: str) -> str:
        pod = _only(_render(*sets), "Deployment", "gd-gitopsd")["spec"]["template"]
        value: str = pod["metadata"]["annotations"]["checksum/webhook-secrets"]
        return value

    assert checksum() == checksum()  # generated secrets never roll the pods
    assert checksum("webhook.github.secret=a") != checksum("webhook.github.secret=b")


def test_settings_and_secrets_live_where_the_controller_reads_them() -> None:
    docs = _render("controller.namespace=apps")
    assert _only(docs, "ConfigMap", "gitopsd-cm")["metadata"]["namespace"] == "apps"
    assert _only(docs, "Secret", "gitopsd-secret")["metadata"]["namespace"] == "apps"
    own = _only(docs, "Role", "gd-gitopsd")
    assert own["metadata"]["namespace"] == "apps"
    assert {"secrets", "configmaps"} <= {r for rule in _rules(own) for r in rule["resources"]}


def _run_options() -> set[str]:
    subparsers = argparse.ArgumentParser().add_subparsers()
    run.register(subparsers)
    return {s for action in subparsers.choices["run"]._actions for s in action.option_strings}


def test_controller_arguments_and_environment_are_flags_of_gitopsd_run() -> None:
    options = _run_options()
    (container,) = _only(_render(), "Deployment", "gd-gitopsd")["spec"]["template"]["spec"][
        "containers"
    ]
    for arg in container["args"]:
        assert arg.split("=", 1)[0] in options, arg
    env = {e["name"]: e.get("value") for e in container["env"]}
    # GITOPSD_<FLAG> is the default of --<flag> (config.env_flag_default).
    flags = {
        "--" + name.removeprefix("GITOPSD_").lower().replace("_", "-")
        for name in env
        if name.startswith("GITOPSD_")
    }
    assert flags == {"--cache-dir"}
    assert flags <= options
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert env["GITOPSD_CACHE_DIR"] == mounts["git-cache"]
    sharded = _only(_render(*OPTION_SETS["sharded"]), "Deployment", "gd-gitopsd")
    (replica,) = sharded["spec"]["template"]["spec"]["containers"]
    sharding_flags = {
        "--" + e["name"].removeprefix("GITOPSD_").lower().replace("_", "-")
        for e in replica["env"]
        if e["name"].startswith("GITOPSD_")
    }
    assert sharding_flags - {"--cache-dir"} == {
        "--sharding",
        "--replica-id",
        "--lease-duration",
        "--renew-deadline",
        "--retry-period",
    }
    assert sharding_flags <= options


def test_settings_config_map_carries_the_values_as_strings() -> None:
    config = _only(
        _render("config.timeout\\.reconciliation=3m", "config.replicas=3"),
        "ConfigMap",
        "gitopsd-cm",
    )
    assert config["metadata"]["name"] == "gitopsd-cm"
    assert config["data"] == {"timeout.reconciliation": "3m", "replicas": "3"}


def test_service_monitor_scrapes_the_metrics_service() -> None:
    docs = _render(*OPTION_SETS["monitoring"])
    monitor = _only(docs, "ServiceMonitor")
    metrics = _only(docs, "Service", "gd-gitopsd-metrics")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= metrics["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == metrics["spec"]["ports"][0]["name"]


def test_alert_rules_are_the_tested_ones() -> None:
    shipped = (REPO / "deploy" / "prometheus" / "alerts.yaml").read_bytes()
    assert (CHART / "files" / "alerts.yaml").read_bytes() == shipped
    rule = _only(_render(*OPTION_SETS["monitoring"]), "PrometheusRule")
    assert rule["spec"] == yaml.safe_load(shipped)
    exprs = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]}
    assert 'gitopsd_app_info{sync_status="OutOfSync"} == 1' in exprs.values()


def test_rendered_alerts_pass_the_promtool_tests(tmp_path: Path) -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not built (GITOPSD_SKIP_PROMTOOL=1)")
    rule = _only(_render(*OPTION_SETS["monitoring"]), "PrometheusRule")
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(rule["spec"]))
    shutil.copy(REPO / "deploy" / "prometheus" / "alerts_test.yaml", tmp_path)
    done = subprocess.run(
        ["promtool", "test", "rules", "alerts_test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_pins_the_tool_versions_the_tests_use() -> None:
    pinned = dict(
        line.split("=", 1)
        for line in (REPO / "hack" / "testbed-versions.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    dockerfile = (REPO / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, flags=re.MULTILINE))
    for name in ("KUBERNETES_VERSION", "KUSTOMIZE_VERSION", "HELM_VERSION"):
        assert args[name] == pinned[name], name
    assert re.search(r"^FROM golang:1\.26 AS tools$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, flags=re.MULTILINE)
    assert re.search(r"^USER 10001:10001$", dockerfile, flags=re.MULTILINE)
    assert dockerfile.rstrip().endswith('ENTRYPOINT ["gitopsd", "run"]')


def test_server_runs_gitopsd_server_with_its_own_account_locked_down() -> None:
    docs = _render("controller.namespace=apps")
    deployment = _only(docs, "Deployment", "gd-gitopsd-server")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "gd-gitopsd-server"
    _only(docs, "ServiceAccount", "gd-gitopsd-server")
    (container,) = pod["containers"]
    assert container["command"] == ["gitopsd", "server"]
    assert container["args"] == [
        "--namespace=apps",
        "--port=8080",
        "--session-duration=24h",
        "--log-format=json",
    ]
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    from gitopsd.cli import server as server_cli

    server_cli.register(subparsers)
    parsed = parser.parse_args(["server", *container["args"]])
    assert parsed.namespace == "apps" and parsed.port == 8080
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    # The server's pods are not selected by the controller's Deployment.
    controller = _only(docs, "Deployment", "gd-gitopsd")
    server_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert server_labels["app.kubernetes.io/component"] == "server"
    assert (
        deployment["spec"]["selector"]["matchLabels"]
        != controller["spec"]["selector"]["matchLabels"]
    )
    service = _only(docs, "Service", "gd-gitopsd-server")
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    rbac_cm = _only(docs, "ConfigMap", "gitopsd-rbac-cm")
    assert rbac_cm["metadata"]["namespace"] == "apps"
    assert rbac_cm["data"] == {"policy.csv": "", "policy.default": "", "scopes": "[groups]"}


def test_server_rbac_writes_only_applications_events_and_its_secrets() -> None:
    docs = _render()
    role = _only(docs, "Role", "gd-gitopsd-server")
    writes = [rule for rule in _rules(role) if set(rule["verbs"]) - {"get", "list", "watch"}]
    assert writes == [
        {"apiGroups": ["gitopsd.io"], "resources": ["applications"],
         "verbs": ["get", "list", "watch", "create", "patch", "delete"]},
        {"apiGroups": ["gitopsd.io"], "resources": ["appprojects"],
         "verbs": ["get", "list", "watch", "patch"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
        {"apiGroups": [""], "resources": ["secrets"],
         "resourceNames": ["gitopsd-secret", "gitopsd-initial-admin-secret"], "verbs": ["patch"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
    ]  # fmt: skip
    read = _only(docs, "ClusterRole", "gd-gitopsd-server-read")
    assert _rules(read) == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "watch"]}
    ]
    namespaced = _render(*OPTION_SETS["namespaced-rbac"])
    assert not [
        d
        for d in namespaced
        if d["metadata"]["name"] == "gd-gitopsd-server-read" and d["kind"] == "ClusterRole"
    ]
    reads = [
        d
        for d in namespaced
        if d["kind"] == "Role" and d["metadata"]["name"] == "gd-gitopsd-server-read"
    ]
    assert sorted(d["metadata"]["namespace"] for d in reads) == ["team-a", "team-b"]


def test_server_ingress_with_tls_is_optional() -> None:
    assert not [d for d in _render() if d["kind"] == "Ingress"]
    ingress = _only(
        _render("server.ingress.enabled=true", "server.ingress.host=cd.example.org"), "Ingress"
    )
    assert ingress["spec"]["tls"] == [
        {"hosts": ["cd.example.org"], "secretName": "gitopsd-server-tls"}
    ]
    (rule,) = ingress["spec"]["rules"]
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gd-gitopsd-server", "port": {"name": "http"}}
    assert not [d for d in _render("server.enabled=false") if "server" in d["metadata"]["name"]]


PLUGIN_SETS = (
    "plugins.enabled=true",
    "plugins.sidecars[0].name=envsubst",
    "plugins.sidecars[0].image=registry.example.com/envsubst:1",
    "plugins.sidecars[0].spec.generate.command={sh,-c}",
    "plugins.sidecars[0].spec.generate.args={cat *.yaml | envsubst}",
)


def test_plugin_sidecars_never_get_the_controllers_token(tmp_path: Path) -> None:
    docs = _render(*PLUGIN_SETS)
    pod = _only(docs, "Deployment", "gd-gitopsd")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    containers = {c["name"]: c for c in pod["containers"]}
    token_path = "/var/run/secrets/kubernetes.io/serviceaccount"
    mounts = {name: {m["mountPath"]: m["name"] for m in c.get("volumeMounts") or []}
              for name, c in containers.items()}  # fmt: skip
    assert mounts["controller"][token_path] == "kube-api-access"
    assert token_path not in mounts["plugin-envsubst"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    sources = volumes["kube-api-access"]["projected"]["sources"]
    assert sources[0]["serviceAccountToken"]["path"] == "token"
    sidecar = containers["plugin-envsubst"]
    assert sidecar["securityContext"]["runAsUser"] != 10001
    assert sidecar["command"] == ["gitopsd"] and sidecar["args"][:2] == ["plugin", "serve"]
    # The controller reads the declaration from gitopsd-cm; the sidecar from its ConfigMap.
    registry = registry_from_configmap(_only(docs, "ConfigMap", "gitopsd-cm")["data"])
    assert registry.enabled and registry.socket_dir == "/var/run/gitopsd/plugins"
    assert [p.name for p in registry.plugins] == ["envsubst"]
    config = tmp_path / "plugin.yaml"
    config.write_text(_only(docs, "ConfigMap", "gd-gitopsd-plugin-envsubst")["data"]["plugin.yaml"])
    assert load_plugins(config)[0].generate.argv == ["sh", "-c", "cat *.yaml | envsubst"]


def test_without_plugins_the_pod_is_unchanged() -> None:
    pod = _only(_render(), "Deployment", "gd-gitopsd")["spec"]["template"]["spec"]
    assert "automountServiceAccountToken" not in pod
    assert [c["name"] for c in pod["containers"]] == ["controller"]
