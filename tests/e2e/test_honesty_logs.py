"""Logs a person can read, against the real control plane (issue 10, point 12): with
``--log-format text`` every audit line names the application, the revision and who
asked; a story of syncs, a rollback right after a sync, and a cascading delete logs no
ERROR at all (a lost race on a finalizer or a retried request is routine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import gitopsd
from tests.support.controller import controller
from tests.support.gitserver import bare_repo
from tests.support.kube import Kubectl
from tests.support.stories import app, app_manifest, configmap, data_of

pytestmark = pytest.mark.usefixtures("crds")


def test_text_audit_lines_name_the_application_revision_and_initiator(
    kubectl: Kubectl,
    namespace: str,
    tmp_path: Path,
    kubeconfig: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = bare_repo(tmp_path)
    first = repo.commit({"web/cm.yaml": configmap("colour", {"value": "blue"})}, "blue")
    kubectl.apply(app_manifest("web", namespace, repo.url, "web", finalizer=True))
    common = ("--kubeconfig", kubeconfig, "-n", namespace, "--timeout", "120")
    with controller(
        namespace,
        tmp_path / "ctl",
        kubeconfig=kubeconfig,
        reconcile_interval="3s",
        extra_args=("--log-format", "text"),
    ) as ctl:
        code, out, err = gitopsd(capsys, "app", "sync", "web", *common)
        assert code == 0, out + err
        second = repo.commit({"web/cm.yaml": configmap("colour", {"value": "green"})}, "green")
        code, out, err = gitopsd(capsys, "app", "sync", "web", *common)
        assert code == 0, out + err
        # At once: the controller is still writing the status of the sync that just ended.
        code, out, err = gitopsd(capsys, "app", "rollback", "web", *common)
        assert code == 0, out + err
        assert data_of(kubectl, namespace, "colour") == {"value": "blue"}
        code, out, err = gitopsd(capsys, "app", "delete", "web", *common, "--wait")
        assert code == 0, out + err
        assert not app(kubectl, namespace, "web")
        log = ctl.log()

    audit = [line for line in log.splitlines() if " gitopsd.audit: " in line]
    completed = [line for line in audit if "action=OperationCompleted" in line]
    assert len(completed) == 3, audit
    for line, revision in zip(completed, (first, second, first), strict=True):
        assert f"application={namespace}/web" in line
        assert f"revision={revision}" in line
        assert "initiator=" in line and "initiator=automated" not in line
    errors = [line for line in log.splitlines() if " ERROR " in line or "Traceback" in line]
    assert errors == []
