"""``cluster add``: a kubeconfig context becomes an Argo CD-style cluster Secret.

Each case is a directory with a real kubeconfig (fake certificates and tokens, some in
files next to it), ``case.yaml`` (context, name, namespace, or the expected error) and the
golden ``expected-secret.yaml``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitopsd.cli.cluster import (
    ClusterRow,
    as_data,
    cluster_secret,
    format_clusters,
    secret_name,
)
from gitopsd.cluster.kubeconfig import read_context
from gitopsd.errors import ConfigError
from gitopsd.operator.clusters import parse_cluster_secret
from tests.unit.cli.golden import assert_golden

CASES = Path(__file__).parent / "testdata" / "kubeconfig"
SCENARIOS = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def load(scenario: str) -> tuple[str, dict[str, Any]]:
    case: dict[str, Any] = yaml.safe_load((CASES / scenario / "case.yaml").read_text())
    return str(CASES / scenario / "kubeconfig.yaml"), case


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_context_to_cluster_secret(scenario: str) -> None:
    kubeconfig, case = load(scenario)
    if case.get("error"):
        with pytest.raises(ConfigError) as raised:
            read_context(kubeconfig, case["context"])
        assert str(raised.value) == case["error"]
        return
    context = read_context(kubeconfig, case["context"])
    secret = cluster_secret(context, name=case["name"] or context.name, namespace=case["namespace"])
    assert_golden(CASES / scenario / "expected-secret.yaml", yaml.safe_dump(secret, width=200))


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "exec-plugin-refused"])
def test_the_controller_reads_back_what_add_writes(scenario: str) -> None:
    kubeconfig, case = load(scenario)
    context = read_context(kubeconfig, case["context"])
    stored = as_data(cluster_secret(context, name="spoke", namespace="gitopsd"))
    assert "stringData" not in stored
    name, server, creds, _ = parse_cluster_secret(stored)
    assert (name, server) == ("spoke", context.server)
    assert (creds.ca_data, creds.cert_data, creds.key_data) == (
        context.ca_data,
        context.cert_data,
        context.key_data,
    )
    assert creds.bearer_token == context.token
    assert creds.insecure == context.insecure


def test_file_references_are_read_and_encoded() -> None:
    kubeconfig, case = load("file-references-and-token-file")
    context = read_context(kubeconfig, case["context"])
    assert (
        base64.b64decode(context.ca_data)
        == (CASES / "file-references-and-token-file" / "pki" / "ca.crt").read_bytes()
    )
    config = json.loads(cluster_secret(context, name="x", namespace="y")["stringData"]["config"])
    assert config["bearerToken"] == "eyJhbGciOiJSUzI1NiJ9.fake-service-account-token"


def test_credentials_never_show_in_reprs() -> None:
    kubeconfig, _ = load("token-insecure-eks-style-name")
    context = read_context(kubeconfig)
    assert context.token not in repr(context)


def test_unknown_context_and_missing_file(tmp_path: Path) -> None:
    kubeconfig, _ = load("inline-certificate-data")
    with pytest.raises(ConfigError, match="no context named 'nope'"):
        read_context(kubeconfig, "nope")
    broken = tmp_path / "kubeconfig"
    broken.write_text(
        yaml.safe_dump(
            {
                "current-context": "c",
                "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
                "clusters": [
                    {
                        "name": "k",
                        "cluster": {"server": "https://k", "certificate-authority": "ca.pem"},
                    }
                ],
                "users": [{"name": "u", "user": {}}],
            }
        )
    )
    with pytest.raises(ConfigError, match=f"certificate-authority {tmp_path / 'ca.pem'}"):
        read_context(str(broken))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("prod", "cluster-prod"),
        ("Spoke One", "cluster-spoke-one"),
        (
            "arn:aws:eks:eu-west-1:1:cluster/Prod_Main",
            "cluster-arn-aws-eks-eu-west-1-1-cluster-prod-main",
        ),
    ],
)
def test_secret_names_are_valid_object_names(name: str, expected: str) -> None:
    assert secret_name(name) == expected


def test_cluster_list_table() -> None:
    rows = [
        ClusterRow("in-cluster", "https://kubernetes.default.svc", "Successful", "v1.36.3"),
        ClusterRow("eu-west", "https://10.0.0.1:6443", "Failed", ""),
    ]
    assert format_clusters(rows) == (
        "NAME         SERVER                           CONNECTION   VERSION\n"
        "in-cluster   https://kubernetes.default.svc   Successful   v1.36.3\n"
        "eu-west      https://10.0.0.1:6443            Failed       -\n"
    )


def test_a_kubeconfig_list_is_merged_as_kubectl_merges_it(tmp_path: Path) -> None:
    """The client's loader reads a KUBECONFIG-style list; each entry's relative files
    resolve against the file that defined it, and the context's user is named."""
    import argparse
    import os

    from gitopsd.cli.app_context import current_username

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "token").write_text("token-from-a\n")
    first = tmp_path / "a" / "config"
    first.write_text(
        yaml.safe_dump(
            {
                "current-context": "spoke",
                "contexts": [{"name": "spoke", "context": {"cluster": "k", "user": "robot"}}],
                "users": [{"name": "robot", "user": {"tokenFile": "token"}}],
            }
        )
    )
    second = tmp_path / "b.yaml"
    second.write_text(
        yaml.safe_dump({"clusters": [{"name": "k", "cluster": {"server": "https://k:6443/"}}]})
    )
    listed = f"{first}{os.pathsep}{second}"
    context = read_context(listed)
    assert (context.name, context.server, context.token) == (
        "spoke",
        "https://k:6443",
        "token-from-a",
    )
    args = argparse.Namespace(kubeconfig=listed, context=None)
    assert current_username(args) == "robot"
