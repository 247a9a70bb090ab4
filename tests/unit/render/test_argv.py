"""The helm and kustomize command lines: no user value ever stands where a tool reads an
option. Property-style: many generated values, hostile ones first; each is either refused
(SpecError) or lands only inside one ``--flag=value`` word or after ``--``."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from gitopsd.errors import SpecError
from gitopsd.render import RenderContext, render_source
from gitopsd.render.helm import HelmInvocation, helm_template_argv
from gitopsd.render.kustomize import kustomize_build_argv
from gitopsd.spec import HelmOptions, Source

REPO = Path(__file__).parent / "testdata" / "repo"
CHART = Path("/charts/web")
HOSTILE = [
    "--post-renderer=/bin/sh",
    "--set-file=leak=/etc/passwd",
    "--values=/etc/passwd",
    "--",
    "-",
    "-x",
    "--kube-version",
    "a b",
    "x\ny",
    "web",
    "v1.30.0",
    "apps/v1",
    "a.b",
    "a,b=c",
    "{a,b}",
    "",
]
_ALPHABET = "abcz019-_=.,/[]\\ {}:@$-"
# Every word between "template" and "--" must be one of these, as --name=value (or bare).
_VALUE_FLAGS = (
    "--kube-version",
    "--namespace",
    "--api-versions",
    "--values",
    "--set",
    "--set-string",
)
_BARE_FLAGS = ("--include-crds", "--skip-crds")


def _samples(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    generated = [
        "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 24))) for _ in range(count)
    ]
    return HOSTILE + [("--" if rng.random() < 0.3 else "") + text for text in generated]


def _assert_options_only_ours(argv: list[str], release: str) -> None:
    assert argv[1] == "template"
    separator = argv.index("--")
    assert argv[separator + 1 :] == [release, str(CHART)]
    for word in argv[2:separator]:
        name, equals, _ = word.partition("=")
        if equals:
            assert name in _VALUE_FLAGS, word
        else:
            assert word in _BARE_FLAGS, word
    assert not any(word.startswith(("--post-renderer", "--set-file")) for word in argv)


def test_release_names_are_refused_or_positional_after_the_separator() -> None:
    accepted = 0
    for release in _samples(400, seed=1):
        try:
            argv = helm_template_argv("helm", HelmInvocation(release, CHART), "app")
        except SpecError:
            continue
        accepted += 1
        assert not release.startswith("-")
        _assert_options_only_ours(argv, release)
    assert accepted > 0  # the property was exercised on accepted values too


@pytest.mark.parametrize("field", ["namespace", "kube_version"])
def test_context_values_stay_inside_their_option(field: str) -> None:
    for value in _samples(300, seed=2):
        invocation = HelmInvocation("web", CHART, **{field: value})  # type: ignore[arg-type]
        try:
            argv = helm_template_argv("helm", invocation, "app")
        except SpecError:
            continue
        _assert_options_only_ours(argv, "web")
        if value:
            flag = "--namespace" if field == "namespace" else "--kube-version"
            assert f"{flag}={value}" in argv


def test_api_versions_stay_inside_their_option() -> None:
    for value in _samples(300, seed=3):
        try:
            argv = helm_template_argv(
                "helm", HelmInvocation("web", CHART, api_versions=(value,)), "a"
            )
        except SpecError:
            continue
        _assert_options_only_ours(argv, "web")
        assert f"--api-versions={value}" in argv


def test_parameters_are_one_set_word_each_and_never_set_file() -> None:
    names, values = _samples(200, seed=4), _samples(200, seed=5)
    for name, value, force in zip(names, values, [True, False] * 100, strict=False):
        invocation = HelmInvocation("web", CHART, parameters=((name, value, force),))
        try:
            argv = helm_template_argv("helm", invocation, "app")
        except SpecError:
            continue
        _assert_options_only_ours(argv, "web")
        flag = "--set-string" if force else "--set"
        words = [w for w in argv if w.startswith("--set")]
        assert len(words) == 1 and words[0].startswith(f"{flag}={name}=")


def test_value_files_must_be_absolute_paths() -> None:
    invocation = HelmInvocation("web", CHART, value_files=(Path("--set-file=a=/etc/passwd"),))
    with pytest.raises(Exception, match="absolute"):
        helm_template_argv("helm", invocation, "app")
    argv = helm_template_argv("helm", HelmInvocation("web", CHART, value_files=(CHART / "v",)), "a")
    assert f"--values={CHART / 'v'}" in argv


def test_kustomize_gets_its_directory_after_the_separator() -> None:
    argv = kustomize_build_argv("kustomize", Path("/tmp/--x"))
    assert argv == [
        "kustomize",
        "build",
        "--load-restrictor=LoadRestrictionsRootOnly",
        "--",
        "/tmp/--x",
    ]
    with pytest.raises(Exception, match="absolute"):
        kustomize_build_argv("kustomize", Path("--x"))


def test_hostile_parameter_values_reach_the_chart_as_plain_values(tmp_path: Path) -> None:
    """With the real helm: an option-shaped value is a value, not an option."""
    shutil.copytree(REPO / "charts" / "webapp", tmp_path / "chart")
    (tmp_path / "chart" / "templates" / "echo.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: echo\n"
        "data:\n  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n"
    )
    hostile = "--set-file=leak=/etc/hostname"
    options = HelmOptions(parameters=(("a", hostile, False), ("b", "x,y --post-renderer=sh", True)))
    source = Source(repo_url="file:///r", path="chart", helm=options)
    objects = render_source(source, tmp_path, RenderContext(app_name="web", namespace="web"))
    echo = next(o for o in objects if o["metadata"]["name"] == "echo")
    assert echo["data"] == {"a": hostile, "b": "x,y --post-renderer=sh"}  # and no "leak" key
