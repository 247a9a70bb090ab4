"""Status that tells the truth, against the real control plane: status is replaced, not
merged (issue 10, point 2); nothing gitopsd does not render is ever green (point 3);
configuration mistakes are visible and contained (point 5); messages say what is true
(point 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support.cli import gitopsd
from tests.support.controller import RunningController
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.stories import (
    app_manifest,
    conditions,
    configmap,
    data_of,
    events,
    phase,
    status,
    sync_and_health,
)

pytestmark = pytest.mark.usefixtures("crds")


def deployment(namespace: str, *, paused: bool) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {
                "paused": paused,
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
                },
            },
        }
    )


def test_status_is_replaced_so_no_stale_field_survives(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/deploy.yaml": deployment(namespace, paused=True)}, "paused")
    kubectl.apply(
        app_manifest(
            "web", namespace, repo.url, "web", automated={}, source={"directory": {"recurse": True}}
        )
    )
    kubectl.wait_for(
        lambda: (
            (status(kubectl, namespace, "web").get("health") or {}).get("message")
            == "Deployment is paused"
        ),
        timeout=90,
        what="a health message from the paused Deployment",
    )
    assert status(kubectl, namespace, "web")["sync"]["comparedTo"]["source"]["directory"]

    repo.commit({"web/deploy.yaml": deployment(namespace, paused=False)}, "resume")
    kubectl.run(
        "patch", "application.gitopsd.io", "-n", namespace, "web", "--type=json",
        "-p", json.dumps([{"op": "remove", "path": "/spec/source/directory"}]),
    )  # fmt: skip
    kubectl.wait_for(
        lambda: (
            sync_and_health(kubectl, namespace, "web") == ("Synced", "Healthy")
            and "directory" not in status(kubectl, namespace, "web")["sync"]["comparedTo"]["source"]
        ),
        timeout=120,
        what="the resumed Deployment Healthy, compared with the new spec",
    )
    current = status(kubectl, namespace, "web")
    assert "message" not in current["health"]  # the paused message is gone
    assert current["sync"]["comparedTo"]["source"] == {
        "repoURL": repo.url,
        "targetRevision": "main",
        "path": "web",
    }


def test_sources_gitopsd_does_not_render_are_never_green(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "cue/app.cue": 'service: {name: "web"}\n',
            "plain/cm.yaml": configmap("settings", {"a": "1"}),
        },
        "cue and plain",
    )
    kubectl.apply(app_manifest("cue", namespace, repo.url, "cue", automated={}))
    # This controller runs with config management plugins off (the default).
    plugin = {"plugin": {"name": "argocd-vault-plugin"}}
    kubectl.apply(app_manifest("vault", namespace, repo.url, "plain", automated={}, source=plugin))

    def reported(name: str, text: str) -> bool:
        return text in conditions(kubectl, namespace, name).get("ComparisonError", "")

    kubectl.wait_for(
        lambda: reported("cue", "no file here is read by gitopsd (found .cue)"),
        timeout=90,
        what="the CUE directory reported",
    )
    kubectl.wait_for(
        lambda: reported("vault", "config management plugins are disabled on this controller"),
        timeout=90,
        what="the plugin source reported",
    )
    for name in ("cue", "vault"):
        current = status(kubectl, namespace, name)
        assert current["sync"]["status"] == "Unknown"
        assert (current.get("health") or {}).get("status") != "Healthy"
        assert not current.get("resources")
    assert data_of(kubectl, namespace, "settings") is None  # the plugin app deployed nothing

    manifest = tmp_path / "vault.yaml"
    argo = yaml.safe_load(app_manifest("vault", "argocd", repo.url, "plain", source=plugin))
    argo["apiVersion"] = "argoproj.io/v1alpha1"
    manifest.write_text(yaml.safe_dump(argo))
    code, _, err = gitopsd(capsys, "convert", str(manifest))
    assert code == 0
    assert "spec.source.plugin: config management plugins render only when" in err


def test_a_bad_ignore_differences_entry_is_a_condition_on_that_app_only(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "bad/cm.yaml": configmap("bad", {"mode": "a"}),
            "good/cm.yaml": configmap("good", {"mode": "a"}),
        },
        "two apps",
    )
    ignore = {"ignoreDifferences": [{"kind": "ConfigMap", "jsonPointers": ["data/mode"]}]}
    kubectl.apply(app_manifest("bad", namespace, repo.url, "bad", automated={}, spec=ignore))
    kubectl.apply(app_manifest("good", namespace, repo.url, "good", automated={}))
    kubectl.wait_for(
        lambda: (
            "spec.ignoreDifferences[0].jsonPointers[0]"
            in conditions(kubectl, namespace, "bad").get("InvalidSpecError", "")
        ),
        timeout=90,
        what="the bad entry reported",
    )
    assert status(kubectl, namespace, "bad")["sync"]["status"] == "Unknown"
    assert data_of(kubectl, namespace, "bad") is None
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "good") == ("Synced", "Healthy"),
        timeout=90,
        what="the other app unaffected",
    )


def gitopsd_cm(namespace: str, pointer: str) -> str:
    rule = yaml.safe_dump({"jsonPointers": [pointer]})
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "gitopsd-cm", "namespace": namespace},
            "data": {"resource.customizations.ignoreDifferences.all": rule},
        }
    )


def test_a_bad_global_entry_keeps_the_last_good_configuration_and_is_reported(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("settings", {"a": "1"})}, "one")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={"selfHeal": True}))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web") == ("Synced", "Healthy"),
        timeout=90,
        what="the first sync",
    )
    kubectl.apply(gitopsd_cm(namespace, "data/mode"))  # no leading slash: invalid
    kubectl.wait_for(
        lambda: (
            "jsonPointers[0]"
            in conditions(kubectl, namespace, "web").get("ConfigurationWarning", "")
        ),
        timeout=60,
        what="the refused configuration reported on the app",
    )
    refused = events(kubectl, namespace, "InvalidConfiguration")
    assert refused and "last good configuration stays in use" in refused[0]
    assert 'gitopsd_config_invalid{configmap="gitopsd-cm"} 1.0' in ctl.metrics()
    kubectl.run(
        "patch", "configmap", "settings", "-n", namespace, "--type=merge",
        "-p", json.dumps({"data": {"a": "edited by hand"}}),
    )  # fmt: skip
    kubectl.wait_for(
        lambda: data_of(kubectl, namespace, "settings") == {"a": "1"},
        timeout=60,
        what="self-heal to keep working with the last good configuration",
    )
    kubectl.apply(gitopsd_cm(namespace, "/data/mode"))
    kubectl.wait_for(
        lambda: "ConfigurationWarning" not in conditions(kubectl, namespace, "web"),
        timeout=60,
        what="the warning to clear with a good configuration",
    )
    assert 'gitopsd_config_invalid{configmap="gitopsd-cm"} 0.0' in ctl.metrics()


def test_unknown_sync_options_and_bad_durations_are_conditions_naming_the_field(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("web", {"a": "1"})}, "one")
    options = {"syncPolicy": {"syncOptions": ["Frobnicate=true"], "automated": {}}}
    kubectl.apply(app_manifest("options", namespace, repo.url, "web", spec=options))
    retry = {
        "syncPolicy": {"automated": {}, "retry": {"limit": 2, "backoff": {"duration": "1..5s"}}}
    }
    kubectl.apply(app_manifest("duration", namespace, repo.url, "web", spec=retry))
    kubectl.wait_for(
        lambda: (
            "spec.syncPolicy.syncOptions[0]: unknown sync option 'Frobnicate'"
            in conditions(kubectl, namespace, "options").get("InvalidSpecError", "")
        ),
        timeout=90,
        what="the unknown sync option reported",
    )
    kubectl.wait_for(
        lambda: (
            conditions(kubectl, namespace, "duration").get("InvalidSpecError")
            == "spec.syncPolicy.retry.backoff.duration: invalid duration '1..5s'"
        ),
        timeout=90,
        what="the bad duration reported",
    )
    assert data_of(kubectl, namespace, "web") is None  # neither app synced anything


def test_an_empty_render_says_why_nothing_was_synced(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/cm.yaml": configmap("web", {"a": "1"}), "web/.keep": ""}, "one")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={"prune": True}))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "web") == ("Synced", "Healthy"),
        timeout=90,
        what="the first sync",
    )
    empty = repo.commit({"web/cm.yaml": None}, "empty it")
    kubectl.wait_for(
        lambda: (
            f"skipping automated sync to {empty[:7]}: it renders no resources"
            in conditions(kubectl, namespace, "web").get("SyncError", "")
        ),
        timeout=90,
        what="the reason nothing was synced",
    )
    assert data_of(kubectl, namespace, "web") == {"a": "1"}  # nothing deleted


def test_a_tag_that_does_not_exist_and_a_broken_commit_are_named_as_they_are(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    good = repo.commit({"web/cm.yaml": configmap("web", {"a": "1"})}, "good")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", automated={}))
    kubectl.wait_for(
        lambda: (
            status(kubectl, namespace, "web").get("sync", {}).get("revision") == good
            and sync_and_health(kubectl, namespace, "web")[0] == "Synced"
        ),
        timeout=90,
        what="the good commit synced",
    )

    broken = repo.commit({"web/cm.yaml": "kind: ConfigMap\nmetadata: [oops\n"}, "broken")
    kubectl.wait_for(
        lambda: (
            f"commit {broken[:7]}"
            in conditions(kubectl, namespace, "web").get("ComparisonError", "")
        ),
        timeout=90,
        what="the broken commit named",
    )
    assert status(kubectl, namespace, "web")["sync"]["revision"] == broken

    kubectl.run(
        "patch", "application.gitopsd.io", "-n", namespace, "web", "--type=merge",
        "-p", json.dumps({"spec": {"source": {"targetRevision": "v2.0.0"}}}),
    )  # fmt: skip
    kubectl.wait_for(
        lambda: (
            "'v2.0.0' not found" in conditions(kubectl, namespace, "web").get("ComparisonError", "")
        ),
        timeout=90,
        what="the missing tag reported",
    )
    assert "revision" not in status(kubectl, namespace, "web")["sync"]
    code, out, _ = gitopsd(capsys, "app", "get", "web", "--kubeconfig", kubeconfig, "-n", namespace)
    assert code == 0
    sync_line = next(line for line in out.splitlines() if line.startswith("Sync status:"))
    assert sync_line.split(":", 1)[1].strip() == "Unknown"  # no stale commit next to v2.0.0
    assert good[:7] not in sync_line and broken[:7] not in sync_line


def child_app(name: str, namespace: str, repo_url: str, project: str = "default") -> str:
    body = yaml.safe_load(app_manifest(name, namespace, repo_url, "child", automated={}))
    body["spec"]["project"] = project
    return yaml.safe_dump(body)


def test_a_parent_whose_child_has_errors_is_degraded_naming_the_child(
    kubectl: Kubectl, namespace: str, tmp_path: Path, ctl: RunningController
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit(
        {
            "apps/ok.yaml": child_app("ok", namespace, repo.url),
            "apps/broken.yaml": child_app("broken", namespace, repo.url, project="nope"),
            "child/cm.yaml": configmap("child", {"a": "1"}),
        },
        "two children, one in a project that does not exist",
    )
    kubectl.apply(app_manifest("parent", namespace, repo.url, "apps", automated={}))

    def parent_degraded() -> bool:
        health = status(kubectl, namespace, "parent").get("health") or {}
        return health.get("status") == "Degraded"

    kubectl.wait_for(parent_degraded, timeout=120, what="the parent Degraded")
    message = status(kubectl, namespace, "parent")["health"]["message"]
    assert f"application {namespace}/broken" in message
    assert "project nope which does not exist" in message


def test_self_heal_names_the_cli_that_changed_a_child(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    child = yaml.safe_load(child_app("child", namespace, repo.url))
    child["spec"]["syncPolicy"]["automated"] = {"prune": True}
    repo.commit(
        {"apps/child.yaml": yaml.safe_dump(child), "child/cm.yaml": configmap("c", {"a": "1"})},
        "a child",
    )
    kubectl.apply(app_manifest("parent", namespace, repo.url, "apps", automated={"selfHeal": True}))
    kubectl.wait_for(
        lambda: sync_and_health(kubectl, namespace, "parent") == ("Synced", "Healthy"),
        timeout=120,
        what="the parent Synced and Healthy",
    )
    common = ("--kubeconfig", kubeconfig, "-n", namespace)
    code, _, err = gitopsd(capsys, "app", "set", "child", *common, "--sync-policy", "none")
    assert code == 0, err

    def healed() -> list[str]:
        return [m for m in events(kubectl, namespace, "SelfHeal") if "Application/" in m]

    messages = kubectl.wait_for(healed, timeout=90, what="the parent to heal its child")
    assert "gitopsd-cli" in messages[0], messages
    assert "healing drift: drift" not in messages


def presync_job() -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "migrate", "annotations": {"argocd.argoproj.io/hook": "PreSync"}},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "migrate", "image": "busybox"}],
                    }
                },
            },
        }
    )


def test_a_second_sync_says_it_recreated_its_hook(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    ctl: RunningController,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    repo.commit({"web/job.yaml": presync_job(), "web/cm.yaml": configmap("w", {"a": "1"})}, "hook")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web"))
    common = ("--kubeconfig", kubeconfig, "-n", namespace, "--timeout", "120")
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common)
    assert code == 0, out + err
    code, out, err = gitopsd(capsys, "app", "sync", "web", *common)
    assert code == 0, out + err
    hook_lines = [line for line in out.splitlines() if f"Job/{namespace}/migrate:" in line]
    assert any("created (PreSync hook" in line and "recreated hook" in line for line in hook_lines)
    assert "pruned (PreSync hook Pending)" not in out
    assert phase(kubectl, namespace, "web") == "Succeeded"
