"""``gitopsd appset generate`` previews offline, from a manifest and a local checkout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gitopsd.cli.appset import parse_cluster
from gitopsd.cli.main import main
from gitopsd.errors import ConfigError

TESTDATA = Path(__file__).parent / "testdata"


def test_generate_prints_the_applications_as_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = TESTDATA / "git-directories-production-overlays"
    code = main(
        ["appset", "generate", str(scenario / "appset.yaml"), "--repo-root", str(scenario / "repo")]
    )
    assert code == 0
    printed = list(yaml.safe_load_all(capsys.readouterr().out))
    assert printed == yaml.safe_load((scenario / "expected.yaml").read_text())


def test_generate_takes_clusters_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = TESTDATA / "matrix-clusters-by-git-directories"
    clusters = yaml.safe_load((scenario / "clusters.yaml").read_text())
    flags = []
    for cluster in clusters:
        labels = "".join(f",{k}={v}" for k, v in cluster["labels"].items())
        flags += ["--cluster", f"{cluster['name']}={cluster['server']}{labels}"]
    args = ["appset", "generate", str(scenario / "appset.yaml"), "-o", "json"]
    assert main([*args, "--repo-root", str(scenario / "repo"), *flags]) == 0
    names = [a["metadata"]["name"] for a in json.loads(capsys.readouterr().out)]
    expected = yaml.safe_load((scenario / "expected.yaml").read_text())
    assert names == [a["metadata"]["name"] for a in expected]


def test_generate_reports_errors_and_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    scenario = TESTDATA / "git-directories-production-overlays"
    assert main(["appset", "generate", str(scenario / "appset.yaml")]) == 1
    assert capsys.readouterr().err == (
        "error: ApplicationSet/gitopsd/production-apps: "
        "https://git.example.com/platform/deploy.git: no local checkout given (--repo-root)\n"
    )


def test_cluster_flags_are_parsed() -> None:
    cluster = parse_cluster("prod=https://10.0.0.1:6443,env=prod,tier=gold")
    assert (cluster.name, cluster.server) == ("prod", "https://10.0.0.1:6443")
    assert dict(cluster.labels) == {"env": "prod", "tier": "gold"}
    with pytest.raises(ConfigError, match="expected NAME=SERVER"):
        parse_cluster("https://10.0.0.1")
    with pytest.raises(ConfigError, match="label 'env' is not LABEL=VALUE"):
        parse_cluster("prod=https://10.0.0.1,env")
