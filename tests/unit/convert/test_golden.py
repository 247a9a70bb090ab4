"""Real Argo CD manifests -> golden gitopsd manifests and warnings, one directory per case.

Each ``testdata/<scenario>/`` holds ``input.yaml``, the expected YAML stream
``expected.yaml`` and the expected warnings ``warnings.txt`` (one per line).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitopsd.convert import convert_documents, convert_path, dump_documents

TESTDATA = Path(__file__).parent / "testdata"
CASES = sorted(p.name for p in TESTDATA.iterdir() if (p / "input.yaml").is_file())


@pytest.mark.parametrize("case", CASES)
def test_converts_to_golden_output(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TESTDATA / case)  # warnings name the file as it was given
    conversion = convert_path("input.yaml")
    assert dump_documents(conversion.documents) == Path("expected.yaml").read_text()
    expected_warnings = Path("warnings.txt").read_text().splitlines()
    assert [str(w) for w in conversion.warnings] == expected_warnings


@pytest.mark.parametrize("case", CASES)
def test_converting_twice_changes_nothing_more(case: str) -> None:
    converted = yaml.safe_load_all((TESTDATA / case / "expected.yaml").read_text())
    docs = list(converted)
    assert convert_documents(docs, namespace="gitopsd").documents == docs


def test_cases_cover_the_essentials() -> None:
    assert {
        "application-finalizer-automated-kustomize-images",
        "multi-source-values-ref",
        "appproject-with-roles",
        "applicationset-scm-provider",
        "applicationset-git-generator",
        "repository-secrets",
        "argocd-cm",
    } <= set(CASES)


def test_secret_values_never_appear_in_warnings() -> None:
    conversion = convert_path(TESTDATA / "repository-secrets" / "input.yaml")
    assert conversion.warnings, "the case is meant to warn"
    text = "\n".join(str(w) for w in conversion.warnings)
    for secret in ("s3cr3t", "another-s3cr3t", "bm90LWEtcmVhbC1rZXk=", "notarealhash"):
        assert secret not in text


def test_input_documents_are_not_modified() -> None:
    docs = list(yaml.safe_load_all((TESTDATA / "argocd-cm" / "input.yaml").read_text()))
    before = yaml.safe_dump_all(docs)
    result = convert_documents(docs, namespace="gitopsd")
    assert yaml.safe_dump_all(docs) == before
    assert result.documents[0]["metadata"]["name"] == "gitopsd-cm"


def test_namespace_is_chosen_by_the_caller() -> None:
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": {},
    }
    result = convert_documents([app], namespace="platform")
    assert result.documents[0]["metadata"]["namespace"] == "platform"
    assert result.warnings == []
    app["metadata"]["namespace"] = "gitopsd"
    moved = convert_documents([app], namespace="platform")
    assert [str(w) for w in moved.warnings] == [
        "-[0]: Application/gitopsd/web: metadata.namespace: gitopsd reads Applications from its"
        " own namespace (platform), not gitopsd"
    ]
