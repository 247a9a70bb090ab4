"""Every Application value that reaches helm, kustomize or git is checked against what the
tool accepts, and a bad one is a SpecError naming the field before anything runs."""

from __future__ import annotations

from typing import Any

import pytest

from gitopsd.errors import SpecError
from gitopsd.model import tool_values as check
from gitopsd.spec import parse_application_spec

OPTION_LIKE = ["--post-renderer=/bin/sh", "--set-file=leak=/etc/passwd", "-x", "--", "-"]


@pytest.mark.parametrize("name", ["web", "web-1", "a", "x.y", "a" * 53, "1st"])
def test_valid_release_names(name: str) -> None:
    assert check.release_name_problem(name) is None


@pytest.mark.parametrize(
    "name", [*OPTION_LIKE, "", "Web", "web_1", "-web", "web-", "a" * 54, "a b", "a/b", "a\nb"]
)
def test_invalid_release_names(name: str) -> None:
    assert check.release_name_problem(name) is not None


@pytest.mark.parametrize("name", ["default", "kube-system", "a", "a" * 63, "team-1"])
def test_valid_namespaces(name: str) -> None:
    assert check.namespace_problem(name) is None


@pytest.mark.parametrize("name", [*OPTION_LIKE, "", "A", "a.b", "a" * 64, "a_b", "-a", "a-"])
def test_invalid_namespaces(name: str) -> None:
    assert check.namespace_problem(name) is not None


@pytest.mark.parametrize("version", ["v1.30", "1.30", "v1.30.2", "v1.36.3+k3s1", "v1.29.1-eks-1"])
def test_valid_kube_versions(version: str) -> None:
    assert check.kube_version_problem(version) is None


@pytest.mark.parametrize("version", [*OPTION_LIKE, "", "latest", "v1", "1.30 --x", "v1.30\n"])
def test_invalid_kube_versions(version: str) -> None:
    assert check.kube_version_problem(version) is not None


@pytest.mark.parametrize("api", ["v1", "apps/v1", "monitoring.coreos.com/v1", "x.io/v1/Kind"])
def test_valid_api_versions(api: str) -> None:
    assert check.api_version_problem(api) is None


@pytest.mark.parametrize("api", [*OPTION_LIKE, "", "a b", "/v1", "a/b/c/d", "apps/v1\n"])
def test_invalid_api_versions(api: str) -> None:
    assert check.api_version_problem(api) is not None


@pytest.mark.parametrize(
    "name",
    [
        "image.tag",
        "replicaCount",
        "list[0].name",
        "a[1][2]",
        r"nodeSelector.kubernetes\.io/role",
        r"annotations.a\,b",
        "ingress.hosts[0]",
    ],
)
def test_valid_helm_parameter_names(name: str) -> None:
    assert check.helm_parameter_name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a,b=c",
        "a=b",
        "a..b",
        ".a",
        "a.",
        "a b",
        "a[x]",
        "a[99999]",
        "a\\",
        "a\\q",
        "[0]",
        "a" * 1025,
    ],
)
def test_invalid_helm_parameter_names(name: str) -> None:
    assert check.helm_parameter_name_problem(name) is not None


def test_set_values_keep_their_commas_as_argo_cd_passes_them() -> None:
    assert check.escape_set_value("a,b") == r"a\,b"
    assert check.escape_set_value(r"a\,b") == r"a\,b"
    assert check.escape_set_value("{a,b}") == "{a,b}"  # Helm's list syntax stays a list


@pytest.mark.parametrize(
    "url",
    [
        "https://git.example.com/org/repo.git",
        "http://127.0.0.1:8080/repo",
        "ssh://git@example.com:2222/org/repo.git",
        "git://example.com/repo",
        "file:///srv/git/repo.git",
        "git@github.com:org/repo.git",
        "deploy@host.example:org/repo",
        "host.example:org/repo",
        "https://[::1]:8443/repo",
    ],
)
def test_valid_repository_urls(url: str) -> None:
    assert check.repo_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "--upload-pack=touch /tmp/x",
        "-oProxyCommand=sh",
        "ext::sh -c touch% /tmp/x",
        "ext::sh",
        "fd::17",
        "git::https://example.com/r",
        "ftp://example.com/r",
        "https://-oProxyCommand=x/r",
        "ssh://-oProxyCommand=x/r",
        "-host:path",
        "host:-path",
        "user@-host:path",
        "/srv/git/repo.git",
        "relative/path",
        "https://host/a b",
        "file://remote-host/path",
        "",
    ],
)
def test_invalid_repository_urls(url: str) -> None:
    assert check.repo_url_problem(url) is not None


@pytest.mark.parametrize("revision", ["HEAD", "main", "v1.2.3", "refs/pull/1/head", "a" * 40])
def test_valid_revisions(revision: str) -> None:
    assert check.revision_problem(revision) is None


@pytest.mark.parametrize(
    "revision",
    ["--upload-pack=touch /tmp/x", "-x", "a b", "a:b", "HEAD~1", "a..b", "x@{1}", "a\\b", "a\0"],
)
def test_invalid_revisions(revision: str) -> None:
    assert check.revision_problem(revision) is not None


@pytest.mark.parametrize("image", ["nginx", "nginx:1.25", "web=registry/nginx:1", "a@sha256:ab"])
def test_valid_images(image: str) -> None:
    assert check.image_problem(image) is None


@pytest.mark.parametrize("image", ["-nginx", "nginx 1.25", "nginx\n", ""])
def test_invalid_images(image: str) -> None:
    assert check.image_problem(image) is not None


def test_label_keys_and_values() -> None:
    assert check.label_key_problem("app.kubernetes.io/name") is None
    assert check.label_key_problem("team") is None
    assert check.label_key_problem("Bad Key") is not None
    assert check.label_key_problem("UPPER.example/x") is not None
    assert check.label_value_problem("") is None
    assert check.label_value_problem("v1.2_x") is None
    assert check.label_value_problem("-x") is not None


# --- the spec names the field --------------------------------------------------------


def _spec(source: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "source": {"repoURL": "https://git.example.com/r.git", **source},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
        **spec,
    }


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ({"helm": {"releaseName": "--post-renderer=/bin/sh"}}, "spec.source.helm.releaseName"),
        ({"helm": {"releaseName": "--set-file=k=/etc/passwd"}}, "spec.source.helm.releaseName"),
        ({"helm": {"namespace": "--x"}}, "spec.source.helm.namespace"),
        ({"helm": {"kubeVersion": "--post-renderer=sh"}}, "spec.source.helm.kubeVersion"),
        ({"helm": {"apiVersions": ["v1", "--x"]}}, "spec.source.helm.apiVersions[1]"),
        ({"helm": {"valueFiles": ["a\nb"]}}, "spec.source.helm.valueFiles[0]"),
        ({"helm": {"parameters": [{"name": "a,b", "value": "1"}]}}, "parameters[0].name"),
        ({"helm": {"parameters": [{"name": "a", "value": "x\0"}]}}, "parameters[0].value"),
        ({"kustomize": {"images": ["-x"]}}, "spec.source.kustomize.images[0]"),
        ({"kustomize": {"namePrefix": "a b"}}, "spec.source.kustomize.namePrefix"),
        ({"kustomize": {"nameSuffix": "a/b"}}, "spec.source.kustomize.nameSuffix"),
        ({"kustomize": {"namespace": "--x"}}, "spec.source.kustomize.namespace"),
        ({"kustomize": {"commonLabels": {"a b": "x"}}}, "spec.source.kustomize.commonLabels"),
        ({"kustomize": {"replicas": [{"name": "web", "count": "many"}]}}, "replicas[0].count"),
        ({"kustomize": {"replicas": [{"name": "web", "count": -1}]}}, "replicas[0].count"),
        ({"kustomize": {"patches": ["not an object"]}}, "spec.source.kustomize.patches[0]"),
        ({"kustomize": {"patches": [{"target": {}}]}}, "spec.source.kustomize.patches[0]"),
        ({"kustomize": {"components": ["a\tb"]}}, "spec.source.kustomize.components[0]"),
        ({"repoURL": "ext::sh -c touch% /tmp/x"}, "spec.source.repoURL"),
        ({"repoURL": "--upload-pack=touch /tmp/x"}, "spec.source.repoURL"),
        ({"targetRevision": "--upload-pack=touch /tmp/x"}, "spec.source.targetRevision"),
        ({"path": "apps/\0web"}, "spec.source.path"),
    ],
)
def test_a_bad_value_is_a_spec_error_naming_its_field(source: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_application_spec(_spec(source))
    assert field in str(raised.value)


def test_sources_are_named_by_index() -> None:
    spec = _spec({})
    spec["sources"] = [spec.pop("source"), {"repoURL": "https://h/r", "helm": {"releaseName": "X"}}]
    with pytest.raises(SpecError, match=r"spec\.sources\[1\]\.helm\.releaseName"):
        parse_application_spec(spec)


def test_destination_namespace_must_be_a_namespace_name() -> None:
    spec = _spec({})
    spec["destination"]["namespace"] = "--post-renderer=/bin/sh"
    with pytest.raises(SpecError, match=r"spec\.destination\.namespace"):
        parse_application_spec(spec)


def test_parameter_values_never_appear_in_errors() -> None:
    canary = "canary-7f3e9b2c41"
    params = [{"name": "a b", "value": canary}]
    with pytest.raises(SpecError) as raised:
        parse_application_spec(_spec({"helm": {"parameters": params}}))
    assert canary not in str(raised.value)


def test_valid_options_parse_to_what_the_renderers_take() -> None:
    source = {
        "helm": {
            "releaseName": "web",
            "namespace": "other",
            "kubeVersion": "v1.30.0",
            "apiVersions": ["monitoring.coreos.com/v1"],
            "parameters": [{"name": r"a\.b[0]", "value": "x,y", "forceString": True}],
        }
    }
    helm = parse_application_spec(_spec(source)).sources[0].helm
    assert helm is not None
    assert (helm.namespace, helm.kube_version, helm.api_versions) == (
        "other",
        "v1.30.0",
        ("monitoring.coreos.com/v1",),
    )
    kustomize = {"replicas": [{"name": "web", "count": "3"}], "patches": [{"path": "p.yaml"}]}
    options = parse_application_spec(_spec({"kustomize": kustomize})).sources[0].kustomize
    assert options is not None
    assert options.replicas == (("web", 3),)
